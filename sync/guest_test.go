package sync

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/ipvs"
	"github.com/vishvananda/netns"
)

// Tests against the real kernel's sync threads run in the qemu guest
// (HADIRECTOR_IN_GUEST=1, see integration/sync_guest_test.go), where
// ipvsadm and iproute2's ip exist and ip_vs and veth are loaded.

func inGuest(tb testing.TB) {
	tb.Helper()
	if os.Getenv("HADIRECTOR_IN_GUEST") != "1" {
		tb.Skip("set HADIRECTOR_IN_GUEST=1 to run against the real kernel (qemu guest)")
	}
}

func guestRun(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// guestPair makes the namespace peer and the veth s0 (here,
// 192.0.2.2/24) - s1 (peer, 192.0.2.3/24), and removes them at the end.
func guestPair(tb testing.TB) {
	tb.Helper()
	guestRun(tb, "ip", "netns", "add", "peer")
	tb.Cleanup(func() { exec.Command("ip", "netns", "del", "peer").Run() })
	guestRun(tb, "ip", "link", "add", "s0", "type", "veth", "peer", "name", "s1")
	tb.Cleanup(func() { exec.Command("ip", "link", "del", "s0").Run() })
	guestRun(tb, "ip", "link", "set", "s1", "netns", "peer")
	guestRun(tb, "ip", "addr", "add", "192.0.2.2/24", "dev", "s0")
	guestRun(tb, "ip", "link", "set", "s0", "up")
	guestRun(tb, "ip", "-n", "peer", "addr", "add", "192.0.2.3/24", "dev", "s1")
	guestRun(tb, "ip", "-n", "peer", "link", "set", "s1", "up")
	guestRun(tb, "ip", "-n", "peer", "link", "set", "lo", "up")
}

// TestInGuestDaemonControl starts, lists and stops the kernel's sync
// threads over netlink and checks the listing against ipvsadm -L --daemon.
func TestInGuestDaemonControl(t *testing.T) {
	inGuest(t)
	guestPair(t)
	k, err := OpenNetlink()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Role{Master, Backup} {
		k.Stop(r)
	}
	list := func() string {
		ds, err := k.List()
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, d := range ds {
			fmt.Fprintln(&b, d)
		}
		return b.String()
	}
	check := func(what string) string {
		t.Helper()
		ours, theirs := list(), guestRun(t, "ipvsadm", "-L", "--daemon")
		if ours != theirs {
			t.Errorf("%s: ours\n%s\nipvsadm -L --daemon\n%s", what, ours, theirs)
		}
		return ours
	}
	if got := check("none"); got != "" {
		t.Errorf("daemons running before the test: %q", got)
	}
	if err := k.Start(Daemon{Role: Master, Interface: "s0", SyncID: 9}); err != nil {
		t.Fatal(err)
	}
	if err := k.Start(Daemon{Role: Backup, Interface: "s0", SyncID: 9, Port: 8849, TTL: 2, MaxLen: 1400,
		Group: netip.MustParseAddr(DefaultGroup)}); err != nil {
		t.Fatal(err)
	}
	got := check("both")
	t.Logf("both running:\n%s", got)
	for _, want := range []string{"master sync daemon (mcast=s0, syncid=9, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)",
		"backup sync daemon (mcast=s0, syncid=9, maxlen=1400, group=224.0.0.81, port=8849, ttl=2)"} {
		if !strings.Contains(got, want) {
			t.Errorf("listing lacks %q", want)
		}
	}
	if err := k.Stop(Master); err != nil {
		t.Fatal(err)
	}
	if got := check("backup only"); strings.Contains(got, "master") || !strings.Contains(got, "backup") {
		t.Errorf("after stopping the master: %q", got)
	}
	if err := k.Stop(Master); err != ErrNotRunning {
		t.Errorf("stopping a stopped thread: %v, want ErrNotRunning", err)
	}
	if err := k.Stop(Backup); err != nil {
		t.Fatal(err)
	}
	check("none again")

	// The Manager applies the modes to the kernel.
	m := NewManager(k, Daemon{Interface: "s0", SyncID: 9}, Follow, discard())
	for _, c := range []struct {
		state VRRP
		want  string
	}{
		{VRRPBackup, "backup"}, {VRRPMaster, "master"}, {VRRPStopped, ""},
	} {
		if err := m.Apply(c.state); err != nil {
			t.Fatal(err)
		}
		got := strings.Fields(list())
		if c.want == "" && len(got) != 0 || c.want != "" && (len(got) == 0 || got[0] != c.want || strings.Count(list(), "\n") != 1) {
			t.Errorf("follow mode in %s: %q, want only %q", c.state, list(), c.want)
		}
	}
}

// inPeer runs fn with the calling OS thread in the namespace peer, so
// that sockets it opens live there.
func inPeer(tb testing.TB, fn func()) {
	tb.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		tb.Fatal(err)
	}
	defer orig.Close()
	peer, err := netns.GetFromName("peer")
	if err != nil {
		tb.Fatal(err)
	}
	defer peer.Close()
	if err := netns.Set(peer); err != nil {
		tb.Fatal(err)
	}
	defer netns.Set(orig)
	fn()
}

// TestInGuestCaptureMatchesKernel runs the kernel's master thread, makes it
// sync UDP connections and a persistence template, receives its messages
// in the peer namespace with Listener, and checks that each decodes to what
// /proc/net/ip_vs_conn lists and re-encodes to the same bytes. It prints
// each message as SYNC-CAPTURE hex for testdata.
func TestInGuestCaptureMatchesKernel(t *testing.T) {
	inGuest(t)
	guestPair(t)
	k, err := OpenNetlink()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Start(Daemon{Role: Master, Interface: "s0", SyncID: 9}); err != nil {
		t.Fatal(err)
	}
	defer k.Stop(Master)
	guestRun(t, "ipvsadm", "-A", "-u", "192.0.2.10:53", "-s", "rr")
	defer exec.Command("ipvsadm", "-D", "-u", "192.0.2.10:53").Run()
	guestRun(t, "ipvsadm", "-a", "-u", "192.0.2.10:53", "-r", "192.0.2.20:53", "-g")
	guestRun(t, "ipvsadm", "-A", "-u", "192.0.2.10:54", "-s", "rr", "-p", "300")
	defer exec.Command("ipvsadm", "-D", "-u", "192.0.2.10:54").Run()
	guestRun(t, "ipvsadm", "-a", "-u", "192.0.2.10:54", "-r", "192.0.2.21:54", "-g")

	var l *Listener
	inPeer(t, func() {
		l, err = Listen("s1", netip.Addr{}, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	// The master syncs a UDP connection at its third packet
	// (sync_threshold 3), the template with the connection.
	for _, port := range []int{53, 54} {
		c, err := net.Dial("udp4", fmt.Sprintf("192.0.2.10:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := c.Write([]byte("hadirector sync test")); err != nil {
				t.Fatal(err)
			}
		}
		defer c.Close()
	}
	want := connKeys(t, ipvs.ReadConns, false)
	t.Logf("kernel connections: %v", want)
	if len(want) != 3 {
		t.Fatalf("%d connections in the kernel, want 2 and a template", len(want))
	}
	readSynced(t, l, want, 9, "SYNC-CAPTURE", func(d Datagram) {})
}

// guestConnKey names a connection as both /proc/net/ip_vs_conn (a template under
// its service's protocol) and a sync record give it.
func guestConnKey(proto string, client, virtual, real netip.AddrPort) string {
	return fmt.Sprintf("%s %s %s %s", proto, client, virtual, real)
}

// connKeys is the set of IPv4 (v6: IPv6) connections read lists; each test
// counts its own family's, as an earlier one may have left the other's.
func connKeys(tb testing.TB, read func() ([]ipvs.Conn, error), v6 bool) map[string]bool {
	tb.Helper()
	conns, err := read()
	if err != nil {
		tb.Fatal(err)
	}
	keys := map[string]bool{}
	for _, c := range conns {
		if c.Client.Addr().Is6() == v6 {
			keys[guestConnKey(c.Protocol, c.Client, c.Virtual, c.Dest)] = true
		}
	}
	return keys
}

// readSynced reads l until it has heard every connection in want, each
// message printed as tag and hex for testdata, and checks that it comes
// from syncID, decodes, re-encodes to the same bytes, and holds only
// connections of want, all DR; each calls more checks.
func readSynced(t *testing.T, l *Listener, want map[string]bool, syncID uint8, tag string, each func(Datagram)) {
	t.Helper()
	got := map[string]bool{}
	deadline := time.AfterFunc(20*time.Second, func() { l.Close() }) // the master flushes within 2 s
	defer deadline.Stop()
	for len(got) < len(want) {
		d, err := l.Read()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		fmt.Printf("%s %s\n", tag, hex.EncodeToString(d.Raw))
		if d.Err != nil {
			t.Fatalf("kernel message %x: %v", d.Raw, d.Err)
		}
		if d.Msg.SyncID != syncID {
			t.Errorf("sync id %d, want %d", d.Msg.SyncID, syncID)
		}
		re, err := d.Msg.Marshal()
		if err != nil || hex.EncodeToString(re) != hex.EncodeToString(d.Raw) {
			t.Errorf("re-encoded\n%x (%v)\nkernel sent\n%x", re, err, d.Raw)
		}
		each(d)
		for _, c := range d.Msg.Conns {
			key := guestConnKey(ProtocolName(c.Protocol), c.Client, c.Virtual, c.Real)
			t.Logf("decoded: %s", c)
			if !want[key] {
				t.Errorf("decoded %q, which the kernel does not list", key)
			}
			got[key] = true
			if c.Flags.Forward() != "Route" {
				t.Errorf("%s: forwarding %s, want Route", key, c.Flags.Forward())
			}
		}
	}
}
