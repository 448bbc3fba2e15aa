package drill

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/control"
)

// BGPOptions say how to run a BGP drain drill.
type BGPOptions struct {
	Socket    string        // the local daemon's control socket
	PingNetns string        // open the streams from this network namespace (path); empty: from here
	Stay      bool          // leave the director drained afterwards
	Streams   int           // long-lived TCP streams to open
	Port      uint16        // the VIP's TCP port the streams connect to
	Period    time.Duration // each stream's exchange period
	Window    time.Duration // how long the streams keep exchanging once the VIP is withdrawn
	// RouterCmd is a shell command printing FRR's "show ip route VIP/32
	// json"; {vip} in it is replaced by the VIP. Empty: not asked.
	RouterCmd string
	// IPVSConns is the IPVS connection table's file (/proc/net/ip_vs_conn).
	IPVSConns string
}

// bgpBound bounds each wait of the drill (withdrawal, the router's
// change, the streams' exchanges): a hung step, not a measurement.
const bgpBound = 20 * time.Second

// RunBGP drains this director with streams open to its first announced
// VIP, and reports the router's next hops, the flows this director
// carried and the streams that survived.
func RunBGP(ctx context.Context, o BGPOptions) (BGPReport, error) {
	c := control.Client{Path: o.Socket}
	st, err := c.BGPStatus(ctx)
	if err != nil {
		return BGPReport{}, err
	}
	if st.Value == nil {
		return BGPReport{}, errors.New("the daemon speaks no BGP: run the drill without --bgp")
	}
	if st.Value.Drained {
		return BGPReport{}, errors.New("this director is drained already: run 'hadirector undrain' first")
	}
	var vip netip.Addr
	for _, v := range st.Value.VIPs {
		if v.Announced {
			vip = v.VIP
			break
		}
	}
	if !vip.IsValid() {
		return BGPReport{}, errors.New("this director announces no VIP")
	}
	r := BGPReport{Kind: "bgp", Director: st.Value.RouterID.String(), VIP: vip.String(), Port: o.Port, Window: o.Window}
	r.Router.Asked = o.RouterCmd != ""
	hops := func() int {
		if !r.Router.Asked {
			return -1
		}
		nh, err := routerNextHops(ctx, o.RouterCmd, vip)
		if err != nil {
			r.Problems = appendOnce(r.Problems, err.Error())
			return -1
		}
		return len(nh)
	}
	r.Router.Before = hops()
	r.FlowsMoved = -1
	if b, err := os.ReadFile(o.IPVSConns); err == nil {
		r.FlowsMoved = CountIPVSConns(string(b), vip, o.Port)
	}

	sctx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	s, err := OpenStreams(sctx, netip.AddrPortFrom(vip, o.Port).String(), o.Streams, o.Period, bgpBound/2, o.PingNetns)
	if err != nil {
		return r, err
	}
	if err := waitFor(ctx, bgpBound, func() bool { return s.Counts().Answered == o.Streams }); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("only %d of %d streams answered before the drain", s.Counts().Answered, o.Streams))
	}
	before := s.Counts()

	start := time.Now()
	if _, err := c.Drain(ctx); err != nil {
		return r, err
	}
	withdrawn := func() bool { return announced(ctx, c, vip) == 0 }
	if err := waitFor(ctx, bgpBound, withdrawn); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s was not withdrawn within %v", vip, bgpBound))
	}
	r.Withdrawn = time.Since(start)
	if r.Router.Asked {
		waitFor(ctx, bgpBound, func() bool { n := hops(); return n >= 0 && n != r.Router.Before })
	}
	sleepCtx(ctx, o.Window) // the streams keep exchanging: the window is the measurement
	windowEnd := time.Now()
	if err := waitFor(ctx, bgpBound, func() bool { return s.exchangedSince(windowEnd) }); err != nil {
		r.Problems = append(r.Problems, "a stream neither exchanged nor ended after the window")
	}
	r.Router.During = hops()
	after := s.Counts()
	stopStreams()
	s.Wait()
	r.Streams = StreamReport{Opened: before.Opened, Answered: before.Answered, ByServer: before.ByServer,
		Survived: after.Alive, Ended: after.Ended}

	if o.Stay {
		r.Afterwards = "this director stays drained; run 'hadirector undrain' to announce again"
		r.Router.After = r.Router.During
		return r, nil
	}
	if _, err := c.Undrain(ctx); err != nil {
		return r, err
	}
	if err := waitFor(ctx, bgpBound, func() bool { return announced(ctx, c, vip) == 1 }); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s was not announced again within %v", vip, bgpBound))
	}
	if r.Router.Asked {
		waitFor(ctx, bgpBound, func() bool { return hops() == r.Router.Before })
	}
	r.Router.After = hops()
	r.Afterwards = "undrained: this director announces " + vip.String() + " again"
	return r, nil
}

// announced is 1 when the daemon announces vip, 0 when it does not, -1
// when its status cannot be read.
func announced(ctx context.Context, c control.Client, vip netip.Addr) int {
	st, err := c.BGPStatus(ctx)
	if err != nil || st.Value == nil {
		return -1
	}
	for _, v := range st.Value.VIPs {
		if v.VIP == vip && v.Announced {
			return 1
		}
	}
	return 0
}

// routerNextHops runs the operator's router command for vip and reads
// the next hops of vip's host route.
func routerNextHops(ctx context.Context, cmd string, vip netip.Addr) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, bgpBound/2)
	defer cancel()
	line := strings.ReplaceAll(cmd, "{vip}", vip.String())
	out, err := exec.CommandContext(ctx, "/bin/sh", "-c", line).Output()
	if err != nil {
		return nil, fmt.Errorf("router command %q: %w", line, err)
	}
	return RIBNextHops(out, netip.PrefixFrom(vip, vip.BitLen()).String())
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func appendOnce(l []string, s string) []string {
	if slices.Contains(l, s) {
		return l
	}
	return append(l, s)
}
