package netio

import (
	"net/netip"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/vrrp"
)

// A batch of adverts sent on a real VRRP socket allocates nothing: a
// master's steady state is made of these. Root: the socket is opened on a
// veth in a namespace the test makes and deletes.
func TestSendBatchAllocatesNothing(t *testing.T) {
	names, run := labNamespaces(t, 1)
	ns := names[0]
	run("-n", ns, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	run("-n", ns, "addr", "add", "192.0.2.1/24", "dev", "veth0")
	run("-n", ns, "link", "set", "veth0", "up")
	run("-n", ns, "link", "set", "veth1", "up")
	var c *Conn
	if err := nsenter.Do(nsenter.Path(ns), func() (err error) { c, err = Listen("veth0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src := netip.MustParseAddr("192.0.2.1")
	var msgs []vrrp.Outgoing
	for vrid := uint8(1); vrid <= 3; vrid++ {
		b, err := vrrp.Packet{Version: 3, Type: 1, VRID: vrid, Priority: 100, AdvertInterval: time.Second,
			Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}.Marshal(src, vrrp.Group)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, vrrp.Outgoing{B: b, Src: src, Dst: vrrp.Group})
	}
	send := func() {
		if n, err := c.SendBatch(msgs); n != len(msgs) || err != nil {
			t.Fatalf("SendBatch sent %d of %d: %v", n, len(msgs), err)
		}
	}
	send() // the first send makes the scratch and the control message
	if n := testing.AllocsPerRun(50, send); n != 0 {
		t.Errorf("a batch send allocates %v times, want none", n)
	}
}
