package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"testing"
	"time"
)

func TestAccept(t *testing.T) {
	v2 := Packet{Version: 2, Type: 1, VRID: 51, Priority: 150, AuthType: AuthPassword, Password: password("s3cret"),
		AdvertInterval: time.Second, Addrs: []netip.Addr{vip100, vip101, vip102}}
	e2 := Expect{Version: 2, VRID: 51, AdvertInterval: time.Second, AuthType: AuthPassword, Password: password("s3cret"),
		VIPs: []netip.Addr{vip100, vip101, vip102}}
	v3 := Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}
	e3 := Expect{Version: 3, VRID: 51, AdvertInterval: time.Second, VIPs: []netip.Addr{vip100}}
	pkt := func(p Packet, f func(*Packet)) Packet {
		p.Addrs = append([]netip.Addr(nil), p.Addrs...)
		f(&p)
		return p
	}
	exp := func(e Expect, f func(*Expect)) Expect { f(&e); return e }
	addrs := func(a ...netip.Addr) []netip.Addr { return a }
	vip103 := netip.MustParseAddr("192.0.2.103")

	cases := []struct {
		name string
		p    Packet
		ttl  int
		e    Expect
		want Reason   // 0: accepted
		mis  Mismatch // of an accepted advert
	}{
		{"v2 good", v2, 255, e2, 0, 0},
		{"v3 good", v3, 255, e3, 0, 0},
		{"ttl 254", v3, 254, e3, ReasonTTL, 0},
		{"ttl 64", v2, 64, e2, ReasonTTL, 0},
		{"ttl 0 (not received)", v3, 0, e3, ReasonTTL, 0},
		{"ttl 256", v3, 256, e3, ReasonTTL, 0},
		{"ttl 254 in a peer's range", v3, 254, exp(e3, func(e *Expect) { e.TTL = TTLRange{254, 255} }), 0, 0},
		{"ttl 253 below a peer's range", v3, 253, exp(e3, func(e *Expect) { e.TTL = TTLRange{254, 255} }), ReasonTTL, 0},
		{"ttl 255 above a peer's range", v2, 255, exp(e2, func(e *Expect) { e.TTL = TTLRange{1, 64} }), ReasonTTL, 0},
		{"ttl 1 in a peer's wide range", v2, 1, exp(e2, func(e *Expect) { e.TTL = TTLRange{1, 255} }), 0, 0},
		{"ttl 254, range 255 only", v3, 254, exp(e3, func(e *Expect) { e.TTL = TTLRange{255, 255} }), ReasonTTL, 0},
		{"v2 advert, v3 instance", v2, 255, exp(e2, func(e *Expect) { e.Version = 3 }), ReasonVersion, 0},
		{"v3 advert, v2 instance", v3, 255, exp(e3, func(e *Expect) { e.Version = 2 }), ReasonVersion, 0},
		{"other VRID", pkt(v3, func(p *Packet) { p.VRID = 52 }), 255, e3, ReasonVRID, 0},
		{"v2 auth none, want password", pkt(v2, func(p *Packet) { p.AuthType = AuthNone }), 255, e2, ReasonAuthType, 0},
		{"v2 password, want none", v2, 255, exp(e2, func(e *Expect) { e.AuthType = AuthNone; e.Password = [8]byte{} }), ReasonAuthType, 0},
		{"v2 wrong password", pkt(v2, func(p *Packet) { p.Password = password("s3cre7") }), 255, e2, ReasonAuth, 0},
		{"v2 password prefix", pkt(v2, func(p *Packet) { p.Password = password("s3cretX") }), 255, e2, ReasonAuth, 0},
		{"v2 empty password", pkt(v2, func(p *Packet) { p.Password = [8]byte{} }), 255, e2, ReasonAuth, 0},
		{"v2 auth none ignores auth data", pkt(v2, func(p *Packet) { p.AuthType = AuthNone; p.Password = password("junk") }), 255,
			exp(e2, func(e *Expect) { e.AuthType = AuthNone; e.Password = [8]byte{} }), 0, 0},
		{"v2 interval 2s, want 1s", pkt(v2, func(p *Packet) { p.AdvertInterval = 2 * time.Second }), 255, e2, ReasonInterval, 0},
		{"v2 interval checked even for owner", pkt(v2, func(p *Packet) { p.Priority = 255; p.AdvertInterval = 3 * time.Second }), 255, e2, ReasonInterval, 0},
		{"v3 interval learnt, not checked", pkt(v3, func(p *Packet) { p.AdvertInterval = 100 * time.Millisecond }), 255, e3, 0, 0},
		{"v3 ignores auth fields of Expect", v3, 255, exp(e3, func(e *Expect) { e.AuthType = AuthPassword; e.Password = password("x") }), 0, 0},
		{"fewer addresses", pkt(v2, func(p *Packet) { p.Addrs = p.Addrs[:2] }), 255, e2, ReasonAddrCount, 0},
		{"v2 more addresses", pkt(v2, func(p *Packet) { p.Addrs = append(p.Addrs, vip103) }), 255, e2, ReasonAddrCount, 0},
		{"v2 other address", pkt(v2, func(p *Packet) { p.Addrs = addrs(vip100, vip101, vip103) }), 255, e2, ReasonAddrList, 0},
		// RFC 5798 7.1: a v3 receiver MAY check the addresses and SHOULD log a
		// mismatch; the advert is processed.
		{"v3 more addresses processed", pkt(v3, func(p *Packet) { p.Addrs = append(p.Addrs, vip101) }), 255, e3, 0, MismatchCount},
		{"v3 no addresses processed", pkt(v3, func(p *Packet) { p.Addrs = nil }), 255, e3, 0, MismatchCount},
		{"v3 other address processed", pkt(v3, func(p *Packet) { p.Addrs = addrs(vip101) }), 255, e3, 0, MismatchList},
		{"v3 one VIP excluded from the advert", pkt(v3, func(p *Packet) { p.Addrs = addrs(vip100) }), 255,
			exp(e3, func(e *Expect) { e.VIPs = addrs(vip100, vip101) }), 0, MismatchCount},
		{"v3 duplicate hides a missing VIP", pkt(v3, func(p *Packet) { p.Addrs = addrs(vip100, vip100) }), 255,
			exp(e3, func(e *Expect) { e.VIPs = addrs(vip100, vip101) }), 0, MismatchList},
		{"v3 order does not matter", pkt(v3, func(p *Packet) { p.Addrs = addrs(vip101, vip100) }), 255,
			exp(e3, func(e *Expect) { e.VIPs = addrs(vip100, vip101) }), 0, 0},
		{"one address differs", pkt(v2, func(p *Packet) { p.Addrs[1] = vip103 }), 255, e2, ReasonAddrList, 0},
		{"duplicate hides a missing VIP", pkt(v2, func(p *Packet) { p.Addrs = addrs(vip100, vip100, vip101) }), 255, e2, ReasonAddrList, 0},
		{"configured duplicate, advert has an extra", pkt(v2, func(p *Packet) { p.Addrs = addrs(vip100, vip101, vip103) }), 255,
			exp(e2, func(e *Expect) { e.VIPs = addrs(vip100, vip101, vip101) }), ReasonAddrList, 0},
		{"order does not matter", pkt(v2, func(p *Packet) { p.Addrs = addrs(vip102, vip100, vip101) }), 255, e2, 0, 0},
		{"v2 owner with other addresses", pkt(v2, func(p *Packet) { p.Priority = 255; p.Addrs = addrs(vip101, vip102) }), 255, e2, 0, 0},
		{"v2 priority 254 with other addresses", pkt(v2, func(p *Packet) { p.Priority = 254; p.Addrs[0] = vip103 }), 255, e2, ReasonAddrList, 0},
		{"v2 priority 0 is checked like any", pkt(v2, func(p *Packet) { p.Priority = 0; p.Addrs[0] = vip103 }), 255, e2, ReasonAddrList, 0},
		{"v3 owner with other addresses flagged", pkt(v3, func(p *Packet) { p.Priority = 255; p.Addrs = addrs(vip101, vip102) }), 255, e3, 0, MismatchCount},
		{"v3 priority 0 with other addresses flagged", pkt(v3, func(p *Packet) { p.Priority = 0; p.Addrs = addrs(vip101) }), 255, e3, 0, MismatchList},
		{"no VIPs on either side", pkt(v3, func(p *Packet) { p.Addrs = nil }), 255, exp(e3, func(e *Expect) { e.VIPs = nil }), 0, 0},
		// Order of checks: the first failing one is reported.
		{"ttl before version", v2, 1, exp(e2, func(e *Expect) { e.Version = 3 }), ReasonTTL, 0},
		{"version before VRID", pkt(v2, func(p *Packet) { p.VRID = 1 }), 255, exp(e2, func(e *Expect) { e.Version = 3 }), ReasonVersion, 0},
		{"VRID before auth", pkt(v2, func(p *Packet) { p.VRID = 1; p.AuthType = 0 }), 255, e2, ReasonVRID, 0},
		{"auth before interval", pkt(v2, func(p *Packet) { p.Password = [8]byte{}; p.AdvertInterval = 5 * time.Second }), 255, e2, ReasonAuth, 0},
		{"interval before addresses", pkt(v2, func(p *Packet) { p.AdvertInterval = 5 * time.Second; p.Addrs = nil }), 255, e2, ReasonInterval, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mis, err := Accept(tc.p, tc.ttl, tc.e)
			if tc.want == 0 {
				if err != nil {
					t.Fatalf("Accept: %v, want nil", err)
				}
				if mis != tc.mis {
					t.Errorf("mismatch %v, want %v", mis, tc.mis)
				}
				return
			}
			if mis != MismatchNone {
				t.Errorf("a dropped advert flagged mismatch %v", mis)
			}
			var de *DropError
			if !errors.As(err, &de) {
				t.Fatalf("Accept: %v (%T), want a *DropError", err, err)
			}
			if de.Reason != tc.want {
				t.Errorf("reason %v (%v), want %v", de.Reason, err, tc.want)
			}
			if de.Detail == "" {
				t.Errorf("no detail in %v", err)
			}
		})
	}
}

func TestAcceptDoesNotLeakPassword(t *testing.T) {
	p := Packet{Version: 2, Type: 1, VRID: 51, AuthType: AuthPassword, Password: password("guess"), AdvertInterval: time.Second}
	e := Expect{Version: 2, VRID: 51, AuthType: AuthPassword, Password: password("s3cret"), AdvertInterval: time.Second}
	_, err := Accept(p, 255, e)
	if err == nil {
		t.Fatal("wrong password accepted")
	}
	if msg := err.Error(); regexp.MustCompile(`s3cret|guess`).MatchString(msg) {
		t.Errorf("error %q shows a password", msg)
	}
}

func TestReasonNames(t *testing.T) {
	want := map[Reason]string{
		ReasonTTL: "ttl", ReasonVersion: "version", ReasonType: "type", ReasonLength: "length",
		ReasonTruncated: "truncated", ReasonChecksum: "checksum", ReasonVRID: "vrid",
		ReasonAddrCount: "addr_count", ReasonAddrList: "addr_list", ReasonAuthType: "auth_type",
		ReasonAuth: "auth", ReasonInterval: "interval", ReasonOwn: "own", ReasonNotPeer: "not_peer",
		ReasonInterface: "interface", ReasonOverload: "overload", ReasonSource: "source",
	}
	all := Reasons()
	if len(all) != len(want) {
		t.Errorf("Reasons() has %d, want %d", len(all), len(want))
	}
	label := regexp.MustCompile(`^[a-z][a-z_]*$`)
	seen := map[string]bool{}
	for _, r := range all {
		s := r.String()
		if s != want[r] {
			t.Errorf("Reason(%d).String() = %q, want %q", r, s, want[r])
		}
		if !label.MatchString(s) || seen[s] {
			t.Errorf("label %q is not a distinct lowercase metric label", s)
		}
		seen[s] = true
	}
	for _, r := range []Reason{0, Reason(len(want) + 1), 255} {
		if s := r.String(); s != "unknown" {
			t.Errorf("Reason(%d).String() = %q, want unknown", r, s)
		}
	}
}

func TestDropError(t *testing.T) {
	e := &DropError{Reason: ReasonChecksum, Detail: "checksum 0x1234, want 0x4321"}
	if got, want := e.Error(), "vrrp: drop (checksum): checksum 0x1234, want 0x4321"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&DropError{Reason: ReasonOwn}).Error(), "vrrp: drop (own)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("eth0: %w", e)
	if r, ok := DropReason(wrapped); !ok || r != ReasonChecksum {
		t.Errorf("DropReason(wrapped) = %v, %v", r, ok)
	}
	if r, ok := DropReason(errors.New("other")); ok || r != 0 {
		t.Errorf("DropReason(other) = %v, %v", r, ok)
	}
	if _, ok := DropReason(nil); ok {
		t.Errorf("DropReason(nil) reported a reason")
	}
}
