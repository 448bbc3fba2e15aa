package vrrp

import (
	"net/netip"
	"testing"
	"time"
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
