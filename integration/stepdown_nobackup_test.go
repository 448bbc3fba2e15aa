package integration

import (
	"context"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/hadirector/hadirector/internal/drill"
	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// A step-down with no backup to hand over to is make-before-break too:
// once no new master has been heard by the bound, the director stays
// master with its VIPs (it never removes them), advertises again at its
// priority without the step-down's hold, logs why at warning, and the
// step-down's answer says that no backup took over (exit 1).
func TestStepDownWithNoBackupKeepsTheVIPs(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true})
	_, na := p.waitState(a, 0, "MASTER")
	sockA := filepath.Join(p.dir, "dA.toml.sock")

	// Every address change on dA from here on: the subscription is in
	// place once addrChanges returns.
	changes := p.addrChanges("dA")

	// The gateway pings the VIP every 10 ms throughout.
	ctx, stopPing := context.WithCancel(context.Background())
	t.Cleanup(stopPing)
	ping, err := drill.Ping(ctx, netip.MustParseAddr(vip), 10*time.Millisecond, nsenter.Path(p.lab.NS("gw")))
	must(t, err)
	if _, _, err := waitPingReply(ping); err != nil {
		t.Fatal(err)
	}

	out, err := p.lab.Exec("dA", binary, "step-down", "-s", sockA)
	if err == nil {
		t.Errorf("step-down with no backup succeeded; want exit 1 saying no backup took over: %s", out)
	}
	if !strings.Contains(out, `"outcome":"no-backup"`) || !strings.Contains(out, "stays master") {
		t.Errorf("step-down answered %q; want a no-backup outcome saying this director stays master", out)
	}
	e, next, err := a.WaitFor(na, waitFor, func(e netlab.Event) bool {
		return e.Str("reason") == vrrp.ReasonNoBackup || e.Str("msg") == "transition" && e.Str("from") == "MASTER"
	})
	if err != nil {
		t.Fatalf("dA logged neither %s nor leaving MASTER: %v", vrrp.ReasonNoBackup, err)
	}
	switch {
	case e.Str("reason") != vrrp.ReasonNoBackup:
		t.Errorf("dA left MASTER for %q, want it to stay master (%s)", e.Str("reason"), vrrp.ReasonNoBackup)
		p.waitState(a, next, "MASTER") // so that the gap it made shows below
	case e.Str("level") != "WARN":
		t.Errorf("dA logged %q at %s, want WARN", e.Str("msg"), e.Str("level"))
	}
	// Advertising again at its own priority, without a hold.
	st := p.status("dA")
	if st.State != vrrp.Master || st.Effective != 150 || st.Hold || !st.VIPsHeld {
		t.Errorf("dA after the step-down: %s, effective priority %d, hold %v, VIPs held %v; want MASTER, 150, no hold, held",
			st.State, st.Effective, st.Hold, st.VIPsHeld)
	}
	stopPing()
	ping.Wait()

	if got := transitions(a); !slices.Equal(got, []string{"BACKUP", "MASTER"}) {
		t.Errorf("dA went through %v, want BACKUP MASTER only", got)
	}
	for _, u := range changes.all() {
		if !u.NewAddr {
			t.Errorf("dA removed %s during the step-down", u.LinkAddress.String())
		}
	}
	p.wantVIPs("dA", 2)
	// Removing the VIPs would cost the gateway a Master_Down_Interval
	// (3.4 s here) of silence; a second is far above a loaded machine's
	// noise and far below that.
	sent, replies, gap, _ := ping.Result()
	if gap >= time.Second {
		t.Errorf("the VIP did not answer ping for %v (%d of %d answered)", gap, replies, sent)
	}
}

// addrChanges subscribes to host's address changes; the subscription is
// in place once it returns, and ends with the test.
func (p *pairLab) addrChanges(host string) *stream[netlink.AddrUpdate] {
	p.t.Helper()
	ns, err := netns.GetFromName(p.lab.NS(host))
	must(p.t, err)
	p.t.Cleanup(func() { ns.Close() })
	ch := make(chan netlink.AddrUpdate, 64)
	done := make(chan struct{})
	if err := netlink.AddrSubscribeWithOptions(ch, done, netlink.AddrSubscribeOptions{Namespace: &ns}); err != nil {
		p.t.Fatalf("address changes of %s: %v", host, err)
	}
	return collect(p.t, ch, done)
}

// neighChanges subscribes to host's neighbour table changes, as
// addrChanges does to its addresses.
func (p *pairLab) neighChanges(host string) *stream[netlink.NeighUpdate] {
	p.t.Helper()
	ns, err := netns.GetFromName(p.lab.NS(host))
	must(p.t, err)
	p.t.Cleanup(func() { ns.Close() })
	ch := make(chan netlink.NeighUpdate, 64)
	done := make(chan struct{})
	if err := netlink.NeighSubscribeWithOptions(ch, done, netlink.NeighSubscribeOptions{Namespace: &ns}); err != nil {
		p.t.Fatalf("neighbour changes of %s: %v", host, err)
	}
	return collect(p.t, ch, done)
}

// collect keeps what a netlink subscription delivers on ch until the test
// ends; closing done ends the subscription, which then closes ch.
func collect[T any](t *testing.T, ch <-chan T, done chan struct{}) *stream[T] {
	s := newStream[T]()
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for u := range ch {
			s.add(u)
		}
	}()
	t.Cleanup(func() { close(done); <-collected })
	return s
}

// waitPingReply waits for the pinger's first reply.
func waitPingReply(ping *drill.Pinger) (int, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		if sent, n, _, _ := ping.Result(); n > 0 {
			return sent, n, nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// status is the daemon's status of the lab's one instance on host.
func (p *pairLab) status(host string) router.Status {
	p.t.Helper()
	out, err := p.lab.Exec(host, binary, "status", "--json", "-s", filepath.Join(p.dir, host+".toml.sock"))
	must(p.t, err)
	var sts []router.Status
	if err := json.Unmarshal([]byte(out), &sts); err != nil || len(sts) != 1 {
		p.t.Fatalf("status of %s: %v: %s", host, err, out)
	}
	return sts[0]
}
