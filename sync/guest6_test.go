package sync

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/ipvs"
)

// group6 is the IPv6 sync group of the guest tests: link-scoped, as the
// kernel's default IPv4 group 224.0.0.81 is.
var group6 = netip.MustParseAddr("ff02::1:81")

// guestPair6 is guestPair with 2001:db8::2/64 on s0 and 2001:db8::3/64 on
// s1, without duplicate address detection, so that both are usable at once.
func guestPair6(tb testing.TB) {
	tb.Helper()
	guestPair(tb)
	guestRun(tb, "ip", "addr", "add", "2001:db8::2/64", "dev", "s0", "nodad")
	guestRun(tb, "ip", "-n", "peer", "addr", "add", "2001:db8::3/64", "dev", "s1", "nodad")
}

// peerConns reads the connection table of the namespace peer.
func peerConns() ([]ipvs.Conn, error) {
	var conns []ipvs.Conn
	err := nsenter.Do(nsenter.Path("peer"), func() error {
		// /proc/net follows the process's namespace, thread-self the
		// locked thread's.
		f, err := os.Open("/proc/thread-self/net/ip_vs_conn")
		if err != nil {
			return err
		}
		defer f.Close()
		conns, err = ipvs.ParseConns(f)
		return err
	})
	return conns, err
}

// TestInGuestIPv6Sync runs the kernel's master thread on an IPv6 group in
// the guest's namespace and its backup thread in the namespace peer (two
// directors), makes the master sync IPv6 UDP connections and a
// persistence template, and checks that: ipvsadm -L --daemon lists the
// threads as we do; Listener, beside the backup thread, decodes each
// message to IPv6 records that the master's table lists and re-encodes
// them to the same bytes; and the backup director's table holds the IPv6
// connections. It prints each message as SYNC-CAPTURE6 hex for testdata.
func TestInGuestIPv6Sync(t *testing.T) {
	inGuest(t)
	guestPair6(t)
	k, err := OpenNetlink()
	if err != nil {
		t.Fatal(err)
	}
	master := Daemon{Role: Master, Interface: "s0", SyncID: 6, Group: group6}
	if err := k.Start(master); err != nil {
		t.Fatal(err)
	}
	defer k.Stop(Master)
	ours, err := k.List()
	if err != nil || len(ours) != 1 {
		t.Fatalf("daemons %v, %v: want the master", ours, err)
	}
	if theirs := guestRun(t, "ipvsadm", "-L", "--daemon"); ours[0].String()+"\n" != theirs {
		t.Errorf("ours\n%s\nipvsadm -L --daemon\n%s", ours[0], theirs)
	}
	if ours[0].Group != group6 || ours[0].MaxLen != 1500-40-8 {
		t.Errorf("the kernel runs %s, want group %s and maxlen 1452 (IPv6 header)", ours[0], group6)
	}

	var l *Listener
	inPeer(t, func() {
		pk, err := OpenNetlink()
		if err == nil {
			err = pk.Start(Daemon{Role: Backup, Interface: "s1", SyncID: 6, Group: group6})
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { inPeer(t, func() { pk.Stop(Backup) }) })
		if l, err = Listen("s1", group6, 0); err != nil {
			t.Fatal(err)
		}
	})
	defer l.Close()

	guestRun(t, "ipvsadm", "-A", "-u", "[2001:db8::10]:53", "-s", "rr")
	defer exec.Command("ipvsadm", "-D", "-u", "[2001:db8::10]:53").Run()
	guestRun(t, "ipvsadm", "-a", "-u", "[2001:db8::10]:53", "-r", "[2001:db8::20]:53", "-g")
	guestRun(t, "ipvsadm", "-A", "-u", "[2001:db8::10]:54", "-s", "rr", "-p", "300")
	defer exec.Command("ipvsadm", "-D", "-u", "[2001:db8::10]:54").Run()
	guestRun(t, "ipvsadm", "-a", "-u", "[2001:db8::10]:54", "-r", "[2001:db8::21]:54", "-g")

	// The master syncs a UDP connection at its third packet
	// (sync_threshold 3), the template with the connection.
	for _, port := range []int{53, 54} {
		c, err := net.Dial("udp6", fmt.Sprintf("[2001:db8::10]:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for i := 0; i < 3; i++ {
			if _, err := c.Write([]byte("hadirector IPv6 sync test")); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := connKeys(t, ipvs.ReadConns, true)
	t.Logf("master's connections: %v", want)
	if len(want) != 3 {
		t.Fatalf("%d connections on the master, want 2 and a template", len(want))
	}
	readSynced(t, l, want, 6, "SYNC-CAPTURE6", func(d Datagram) {
		if !d.From.Is6() || d.From.Is4In6() {
			t.Errorf("message from %s, want an IPv6 source", d.From)
		}
		for _, c := range d.Msg.Conns {
			if !c.IPv6() {
				t.Errorf("%s: not an IPv6 record", c)
			}
		}
	})

	// The backup thread has put them into the backup director's table;
	// it applies a message as it arrives, so wait for it, not a time.
	var backup map[string]bool
	for end := time.Now().Add(20 * time.Second); ; {
		backup = connKeys(t, peerConns, true)
		if len(backup) >= len(want) || time.Now().After(end) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("backup director's connections: %v", backup)
	for k := range want {
		if !backup[k] {
			t.Errorf("the backup director lacks %q", k)
		}
	}
}
