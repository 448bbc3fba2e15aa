package director

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/internal/bgp"
	"github.com/hadirector/hadirector/internal/clock"
	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/internal/track"
	"github.com/hadirector/hadirector/ipvs"
)

// Speaker is what the director needs of the BGP speaker (*bgp.Process).
type Speaker interface {
	announce.Speaker
	Peers() []announce.PeerStatus
	// Process is the speaker process's status.
	Process() announce.SpeakerStatus
	Stop()
}

// HostAddrs holds the VIPs on their interfaces and says which are there.
type HostAddrs interface {
	Add(iface string, vip netip.Addr) error
	// Watch calls changed on every change of the host's addresses until
	// ctx ends; Has reads the addresses as of the last change.
	Watch(ctx context.Context, changed func()) error
	Has(iface string, vip netip.Addr) bool
}

// bgpPart is the running BGP side of the daemon.
type bgpPart struct {
	cfg *conf.BGP
	sp  Speaker
	ann *announce.Announcer
}

// Status is the BGP part's status.
func (b *bgpPart) Status() announce.Status {
	return announce.Status{ASN: b.cfg.ASN, RouterID: b.cfg.RouterID, Drained: b.ann.Drained(),
		Speaker: b.sp.Process(), Peers: b.sp.Peers(), VIPs: b.ann.Status()}
}

// step decides every VIP now: when it returns, the speaker has been told
// what changed; the announcer's loop then takes it from there.
func (b *bgpPart) step() {
	b.ann.Evaluate()
	b.ann.Changed()
}

// Drain withdraws every VIP (on) or lets them be announced again.
func (b *bgpPart) Drain(on bool) { b.ann.SetDrained(on) }

// linuxAddrs is the host's addresses over rtnetlink.
type linuxAddrs struct{ w *netio.HostAddrs }

func (a *linuxAddrs) Add(iface string, vip netip.Addr) error { return netio.AddHostAddr(iface, vip) }
func (a *linuxAddrs) Watch(ctx context.Context, changed func()) error {
	w, err := netio.WatchHostAddrs(ctx, changed)
	a.w = w
	return err
}
func (a *linuxAddrs) Has(iface string, vip netip.Addr) bool { return a.w.Has(iface, vip) }

// startBGP starts the BGP side for the file's [bgp] table (nil if none):
// each BGP instance's VIPs on its interface, the speaker and its
// sessions, the announcer, and each instance's tracking. Announcements
// follow the VIPs' addresses, the IPVS health checks and the tracking.
// The returned stop, called after Run's drain, stops the speaker (its
// sessions close; the routers drop whatever is left).
func (d *Director) startBGP(ctx context.Context) (*bgpPart, func(), error) {
	b := d.cfg.BGP
	if b == nil {
		return nil, func() {}, nil
	}
	log := d.log.With("part", "bgp")
	addrs := d.k.addrs()
	var groups []announce.Group
	iface := map[netip.Addr]string{}
	for _, in := range b.Instances {
		for _, v := range in.VIPs {
			if err := addrs.Add(in.Interface, v); err != nil {
				return nil, nil, err
			}
			iface[v] = in.Interface
		}
		groups = append(groups, announce.Group{Name: in.Name, VIPs: in.VIPs, MinUp: in.MinUp})
		log.Info("vips held", "instance", in.Name, "interface", in.Interface, "vips", in.VIPs)
	}
	sp, err := d.k.bgp(d.cfg, d.opts.BGPSpeaker, log)
	if err != nil {
		return nil, nil, err
	}
	src := announce.Sources{
		OnHost:   func(v netip.Addr) bool { return addrs.Has(iface[v], v) },
		Services: d.servicesUp,
	}
	ann := announce.New(groups, src, sp, b.AnnounceDelay, clock.System{}, log)
	if err := addrs.Watch(ctx, ann.Changed); err != nil {
		sp.Stop()
		return nil, nil, err
	}
	if d.ipvs != nil {
		d.ipvs.OnHealth(ann.Changed)
	}
	for _, in := range b.Instances {
		if len(in.Track) == 0 {
			continue
		}
		ann.SetFault(in.Name, "starting") // until the first complete picture
		go track.Run(ctx, in.Track, 100, d.carriers, log.With("instance", in.Name), func(fault bool, _ uint8, why string) {
			if !fault {
				why = ""
			}
			ann.SetFault(in.Name, why) // the reason: "track: " + why
		})
	}
	done := make(chan struct{})
	go func() { defer close(done); ann.Run(ctx) }()
	log.Info("bgp speaker started", "asn", b.ASN, "router_id", b.RouterID, "peers", len(b.Peers))
	return &bgpPart{cfg: b, sp: sp, ann: ann}, func() { <-done; sp.Stop() }, nil
}

// openSpeaker starts the speaker process (found as bgp.Locate says, from
// the command line's path if given) with the file's [bgp] identity and
// peers.
func openSpeaker(cfg *conf.Config, program string, log *slog.Logger) (Speaker, error) {
	exe, _ := os.Executable()
	path, err := bgp.Locate(program, exe)
	if err != nil {
		return nil, fmt.Errorf("%s: [bgp]: %w", cfg.File, err)
	}
	sp, err := bgp.Start(path, speakerConfig(cfg.BGP), log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	log.Info("bgp speaker process started", "program", path, "pid", sp.Process().PID)
	return sp, nil
}

// speakerConfig is the speaker's part of [bgp].
func speakerConfig(b *conf.BGP) bgp.Config {
	bc := bgp.Config{ASN: b.ASN, RouterID: b.RouterID, Communities: b.Communities, NextHop4: b.NextHop, NextHop6: b.NextHop6}
	for _, p := range b.Peers {
		bp := bgp.Peer{Address: p.Address, ASN: p.ASN, Port: p.Port, LocalAddress: p.LocalAddress,
			Password: p.Password, HoldTime: p.HoldTime, Multihop: p.Multihop}
		if p.BFD != nil {
			bp.BFD = &bgp.BFD{MinTx: p.BFD.MinTx, MinRx: p.BFD.MinRx, Multiplier: p.BFD.Multiplier}
		}
		bc.Peers = append(bc.Peers, bp)
	}
	return bc
}

// servicesUp lists vip's IPVS services (by address; a firewall-mark
// service names no VIP) with their real servers up by the checks.
func (d *Director) servicesUp(vip netip.Addr) []announce.ServiceUp {
	if d.ipvs == nil {
		return nil
	}
	var out []announce.ServiceUp
	for _, s := range d.ipvs.Services() { // as the last reload left them
		if s.Key.Proto == ipvs.FWMark || s.Key.Addr.Addr() != vip {
			continue
		}
		up := 0
		for _, r := range s.Reals {
			if d.ipvs.Up(s.Key, r.Addr) {
				up++
			}
		}
		out = append(out, announce.ServiceUp{Name: s.Key.String(), Up: up})
	}
	return out
}

// drain withdraws every VIP for good and keeps the director forwarding
// for the drain time (the IPVS table and the sync threads stay), so that
// the connections the routers still send here while they converge are
// served; then Run stops the rest.
func (d *Director) drain() {
	if d.bgp == nil {
		return
	}
	d.bgp.ann.Stop()
	t := d.cfg.BGP.DrainTime
	if t <= 0 {
		return
	}
	d.log.Info("bgp: vips withdrawn; forwarding until the drain time has passed", "drain_time", t)
	<-d.k.after(t)
}

// sleep is the real drain wait.
func sleep(d time.Duration) <-chan time.Time { return time.After(d) }
