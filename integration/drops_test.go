package integration

import (
	"encoding/json"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/net/ipv4"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// rawSender opens a raw IP protocol 112 socket inside a lab namespace, so a
// test can put any VRRP packet, with any TTL, on the wire.
func rawSender(t *testing.T, l *netlab.Lab, host string) *ipv4.RawConn {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	must(t, err)
	defer orig.Close()
	ns, err := netns.GetFromName(l.NS(host))
	must(t, err)
	defer ns.Close()
	must(t, netns.Set(ns))
	defer netns.Set(orig)
	c, err := net.ListenPacket("ip4:112", "0.0.0.0")
	must(t, err)
	rc, err := ipv4.NewRawConn(c)
	must(t, err)
	t.Cleanup(func() { rc.Close() })
	ifi, err := net.InterfaceByName("eth0")
	must(t, err)
	must(t, rc.SetMulticastInterface(ifi))
	return rc
}

func sendRaw(t *testing.T, rc *ipv4.RawConn, src, dst netip.Addr, ttl int, b []byte) {
	t.Helper()
	h := &ipv4.Header{Version: 4, Len: 20, TOS: 0xc0, TotalLen: 20 + len(b), TTL: ttl,
		Protocol: vrrp.ProtocolNumber, Src: src.AsSlice(), Dst: dst.AsSlice()}
	must(t, rc.WriteTo(h, b, nil))
}

// inetChecksum is the Internet checksum of b.
func inetChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// Every malformed or foreign packet is dropped, counted by its reason, and
// never changes state: a master keeps being master while "better" but bad
// adverts arrive.
func TestMalformedPacketsDroppedAndCounted(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 2, Interval: "1s", Preempt: true,
		Extra: `vips = ["192.0.2.100"]` + "\npassword = \"s3cret\"\n" + `
[[instance]]
name = "vi52"
interface = "eth0"
vrid = 52
priority = 150
version = 3
advert_interval = "1s"
unicast_peers = ["192.0.2.13"]
vips = ["192.0.2.102"]

[global]
metrics_address = "192.0.2.11:9650"
`})
	// Both instances master, their VIPs added.
	next := 0
	for range 2 {
		var err error
		_, next, err = a.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "vips added" })
		must(t, err)
	}

	src, group, self := netip.MustParseAddr("192.0.2.12"), vrrp.Group, netip.MustParseAddr("192.0.2.11")
	rc := rawSender(t, p.lab, "dB")
	good := vrrp.Packet{Version: 2, Type: 1, VRID: 51, Priority: 254, AuthType: 1, AdvertInterval: time.Second,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}
	copy(good.Password[:], "s3cret")
	enc := func(p vrrp.Packet) []byte {
		b, err := p.Marshal(src, group)
		must(t, err)
		return b
	}
	// fixed re-checksums a v2 packet after a byte was changed.
	fixed := func(b []byte) []byte {
		b[6], b[7] = 0, 0
		c := inetChecksum(b)
		b[6], b[7] = byte(c>>8), byte(c)
		return b
	}
	with := func(f func(*vrrp.Packet)) []byte { q := good; f(&q); return enc(q) }

	type send struct {
		name string
		ttl  int
		dst  netip.Addr
		b    []byte
	}
	sends := []send{
		{"ttl", 64, group, enc(good)},
		{"checksum", 255, group, func() []byte { b := enc(good); b[6] ^= 0xff; return b }()},
		{"version", 255, group, fixed(func() []byte { b := enc(good); b[0] = 7<<4 | 1; return b }())},
		{"type", 255, group, fixed(func() []byte { b := enc(good); b[0] = 2<<4 | 2; return b }())},
		{"vrid", 255, group, with(func(q *vrrp.Packet) { q.VRID = 99 })},
		{"addr_count", 255, group, with(func(q *vrrp.Packet) { q.Addrs = append(q.Addrs, netip.MustParseAddr("192.0.2.101")) })},
		{"addr_list", 255, group, with(func(q *vrrp.Packet) { q.Addrs = []netip.Addr{netip.MustParseAddr("192.0.2.109")} })},
		{"auth", 255, group, with(func(q *vrrp.Packet) { copy(q.Password[:], "wrong!!!") })},
		{"auth_type", 255, group, fixed(func() []byte { b := enc(good); b[4] = 7; return b }())},
		{"interval", 255, group, with(func(q *vrrp.Packet) { q.AdvertInterval = 2 * time.Second })},
		{"truncated", 255, group, enc(good)[:6]},
		{"length", 255, group, append(enc(good), make([]byte, 64)...)},
	}
	for _, s := range sends {
		sendRaw(t, rc, src, s.dst, s.ttl, s.b)
	}
	// A unicast v3 advert from a host that is not vi52's peer.
	v3 := vrrp.Packet{Version: 3, Type: 1, VRID: 52, Priority: 254, AdvertInterval: time.Second,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.102")}}
	b3, err := v3.Marshal(src, self)
	must(t, err)
	sendRaw(t, rc, src, self, 255, b3)
	// A valid advert of lower priority last: once vi51 logs it, everything
	// before it has been handled (one reader, in order).
	low := good
	low.Priority = 100
	sendRaw(t, rc, src, group, 255, enc(low))
	_, _, err = a.WaitFor(0, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "advert" && e.Str("src") == "192.0.2.12" && e["priority"] == float64(100)
	})
	must(t, err)

	// Per-instance drops, from the control socket.
	out, err := p.lab.Exec("dA", binary, "status", "--json", "-s", filepath.Join(p.dir, "dA.toml.sock"))
	must(t, err)
	var sts []router.Status
	must(t, json.Unmarshal([]byte(out), &sts))
	drops := map[string]map[string]uint64{}
	for _, s := range sts {
		drops[s.Name] = s.Drops
		if s.State != vrrp.Master {
			t.Errorf("%s is %s after the bad packets, want MASTER", s.Name, s.State)
		}
	}
	for _, r := range []string{"ttl", "addr_count", "addr_list", "auth", "interval"} {
		if drops["vi51"][r] != 1 {
			t.Errorf("vi51 drops[%s] = %d, want 1 (all: %v)", r, drops["vi51"][r], drops["vi51"])
		}
	}
	if drops["vi52"]["not_peer"] != 1 {
		t.Errorf("vi52 drops %v, want not_peer=1", drops["vi52"])
	}
	// The same counts on the Prometheus endpoint, scraped from the gateway.
	metrics, err := p.lab.Exec("gw", "busybox", "wget", "-q", "-O", "-", "http://192.0.2.11:9650/metrics")
	must(t, err)
	for _, want := range []string{
		`hadirector_vrrp_drops_total{instance="vi51",interface="eth0",reason="ttl",vrid="51"} 1`,
		`hadirector_vrrp_drops_total{instance="vi51",interface="eth0",reason="auth",vrid="51"} 1`,
		`hadirector_vrrp_drops_total{instance="vi52",interface="eth0",reason="not_peer",vrid="52"} 1`,
		`hadirector_vrrp_state{instance="vi51",interface="eth0",state="MASTER",vrid="51"} 1`,
		`hadirector_vrrp_vips_held{instance="vi52",interface="eth0",vrid="52"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Link-level drops (before any instance is chosen) are reported when
	// the interface stops.
	must(t, a.Signal(syscall.SIGTERM))
	waitExit(t, a)
	var link map[string]any
	for _, e := range a.Events(0) {
		if e.Str("msg") == "interface stopped" {
			link, _ = e["drops"].(map[string]any)
		}
	}
	for _, r := range []string{"checksum", "version", "type", "vrid", "auth_type", "truncated", "length"} {
		if link[r] != float64(1) {
			t.Errorf("link drops[%s] = %v, want 1 (all: %v)", r, link[r], link)
		}
	}
	for _, e := range a.Events(0) {
		if e.Str("msg") == "transition" && e.Str("from") == "MASTER" && e.Str("reason") != "shutdown" {
			t.Errorf("a bad packet changed state: %v", e)
		}
	}
	if n := len(slices.DeleteFunc(transitions(a), func(s string) bool { return s != "MASTER" })); n != 2 {
		t.Errorf("%d transitions to MASTER, want 2 (one per instance): %v", n, transitions(a))
	}
}
