package router

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// A speaker heard again is updated in place; the list is bounded, makes
// room by expiring the silent, and lists in address order.
func TestSpeakers(t *testing.T) {
	var s speakers
	a, b := netip.MustParseAddr("192.0.2.12"), netip.MustParseAddr("192.0.2.11")
	s.heard(Speaker{Src: a, Priority: 100, LastHeard: t0})
	s.heard(Speaker{Src: b, Priority: 50, LastHeard: t0})
	s.heard(Speaker{Src: a, Priority: 120, LastHeard: t0.Add(time.Second)})
	got := s.list(t0.Add(2 * time.Second))
	if len(got) != 2 || got[0].Src != b || got[1].Src != a || got[1].Priority != 120 {
		t.Fatalf("speakers %+v, want %v then %v at priority 120", got, b, a)
	}
	for k := 0; k < 2*maxSpeakers; k++ {
		s.heard(Speaker{Src: netip.AddrFrom4([4]byte{198, 51, 100, byte(k)}), LastHeard: t0.Add(2 * time.Second)})
	}
	if n := len(s.list(t0.Add(3 * time.Second))); n != maxSpeakers {
		t.Fatalf("%d speakers listed, want the bound %d", n, maxSpeakers)
	}
	// A minute later the flood has expired and a new speaker fits.
	later := t0.Add(2*time.Second + speakerWindow + time.Second)
	s.heard(Speaker{Src: a, LastHeard: later})
	if got := s.list(later); len(got) != 1 || got[0].Src != a {
		t.Fatalf("after expiry speakers %+v, want only %v", got, a)
	}
}

// The reader decodes every advert into the same storage, so a speaker keeps
// a copy of the addresses it heard, not the packet's.
func TestSpeakersCopyAddrs(t *testing.T) {
	var s speakers
	src := netip.MustParseAddr("192.0.2.1")
	vip, other := netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.9")
	pkt := []netip.Addr{vip}
	t0 := time.Unix(1000, 0)
	s.heard(Speaker{Src: src, Addrs: pkt, LastHeard: t0}) // new speaker
	pkt[0] = other                                        // the next packet's decode
	if got := s.list(t0)[0].Addrs; len(got) != 1 || got[0] != vip {
		t.Fatalf("after a new speaker's packet was overwritten: addrs %v, want [%v]", got, vip)
	}
	pkt[0] = vip
	s.heard(Speaker{Src: src, Addrs: pkt, LastHeard: t0}) // same addresses
	pkt[0] = other
	if got := s.list(t0)[0].Addrs; got[0] != vip {
		t.Fatalf("after a known speaker's packet was overwritten: addrs %v, want [%v]", got, vip)
	}
	s.heard(Speaker{Src: src, Addrs: pkt, LastHeard: t0}) // changed addresses
	pkt[0] = vip
	if got := s.list(t0)[0].Addrs; got[0] != other {
		t.Fatalf("after a changed speaker's packet was overwritten: addrs %v, want [%v]", got, other)
	}
}

// A speaker is listed as it was heard, every field, though it is kept
// in a compact form.
func TestSpeakersRoundTrip(t *testing.T) {
	var s speakers
	at := time.Unix(1700000000, 123456789)
	want := Speaker{Src: netip.MustParseAddr("192.0.2.7"), Priority: 90, LastHeard: at,
		Addrs:    []netip.Addr{netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")},
		Accepted: false, Reason: vrrp.ReasonAuth.String()}
	s.heard(want)
	got := s.list(at)
	if len(got) != 1 || got[0].Src != want.Src || got[0].Priority != want.Priority || !got[0].LastHeard.Equal(at) ||
		!slices.Equal(got[0].Addrs, want.Addrs) || got[0].Accepted != want.Accepted || got[0].Reason != want.Reason {
		t.Errorf("listed %+v, want %+v", got, want)
	}
}

// An IPv6 instance's speakers are kept as an IPv4 one's are: the
// link-local source and the IPv6 addresses come back as heard, and an IPv4
// speaker beside them keeps its own.
func TestSpeakersIPv6(t *testing.T) {
	var s speakers
	at := time.Unix(1700000000, 0)
	a := netip.MustParseAddr
	v6 := Speaker{Src: a("fe80::ff:fe00:12"), Priority: 100, LastHeard: at, Accepted: true,
		Addrs: []netip.Addr{a("fe80::1:100"), a("2001:db8::100")}}
	v4 := Speaker{Src: a("192.0.2.12"), Priority: 90, LastHeard: at, Reason: vrrp.ReasonTTL.String(),
		Addrs: []netip.Addr{a("192.0.2.100")}}
	s.heard(v6)
	s.heard(v4)
	s.heard(v6)
	got := s.list(at)
	if len(got) != 2 {
		t.Fatalf("listed %+v, want 2 speakers", got)
	}
	for k, want := range []Speaker{v4, v6} { // in address order
		if got[k].Src != want.Src || !slices.Equal(got[k].Addrs, want.Addrs) || got[k].Reason != want.Reason || got[k].Priority != want.Priority {
			t.Errorf("speaker %d: %+v, want %+v", k, got[k], want)
		}
	}
}
