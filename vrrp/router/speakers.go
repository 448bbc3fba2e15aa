package router

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// speakerWindow is how long a speaker stays listed after it was last heard.
const speakerWindow = time.Minute

// speakers remembers who was heard on a VRID, accepted or not, so that a
// misconfigured peer shows up in status at once. A VRID has one or two
// speakers as a rule: a short slice, updated in place, costs less per
// advert than a map.
type speakers struct {
	mu sync.Mutex
	s  []heardFrom
}

// heardFrom is a Speaker as kept: the addresses packed (4 bytes each for
// IPv4, 16 for IPv6), the source as 16 bytes, the drop reason as its
// number, the time as Unix nanoseconds. Every instance of a large director
// keeps one or two.
type heardFrom struct {
	at       int64  // LastHeard
	addrs    []byte // packed, addrLen bytes each
	src      [16]byte
	reason   vrrp.Reason
	priority uint8
	accepted bool
	v6       bool // src and addrs are IPv6
}

// maxSpeakers bounds memory under a flood of sources.
const maxSpeakers = 64

func (s *speakers) heard(sp Speaker) {
	src := sp.Src.Unmap()
	if !src.IsValid() {
		return
	}
	h := heardFrom{at: sp.LastHeard.UnixNano(), reason: reasonOf(sp.Reason), src: src.As16(), priority: sp.Priority, accepted: sp.Accepted, v6: src.Is6()}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.s {
		if s.s[k].src == h.src {
			h.addrs = s.s[k].addrs // the usual case: nothing to copy
			if !sameAddrs(h.addrs, sp.Addrs, h.v6) {
				h.addrs = packAddrs(sp.Addrs, h.v6)
			}
			s.s[k] = h
			return
		}
	}
	if len(s.s) >= maxSpeakers {
		s.expire(sp.LastHeard)
		if len(s.s) >= maxSpeakers {
			return
		}
	}
	h.addrs = packAddrs(sp.Addrs, h.v6) // a copy: the reader reuses the packet's storage
	s.s = append(s.s, h)
}

func (s *speakers) expire(now time.Time) {
	cut := now.Add(-speakerWindow).UnixNano()
	s.s = slices.DeleteFunc(s.s, func(h heardFrom) bool { return h.at < cut })
}

// list gives the speakers heard within the window, in address order.
func (s *speakers) list(now time.Time) []Speaker {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	out := make([]Speaker, 0, len(s.s))
	for _, h := range s.s {
		src := netip.AddrFrom16(h.src)
		if !h.v6 {
			src = src.Unmap()
		}
		sp := Speaker{Src: src, Priority: h.priority, LastHeard: time.Unix(0, h.at),
			Accepted: h.accepted, Addrs: unpackAddrs(h.addrs, h.v6)}
		if h.reason != 0 {
			sp.Reason = h.reason.String()
		}
		out = append(out, sp)
	}
	slices.SortFunc(out, func(a, b Speaker) int { return a.Src.Compare(b.Src) })
	return out
}

func addrLen(v6 bool) int {
	if v6 {
		return 16
	}
	return 4
}

// sameAddrs reports whether the packed addresses are addrs.
func sameAddrs(kept []byte, addrs []netip.Addr, v6 bool) bool {
	n := addrLen(v6)
	if len(kept) != n*len(addrs) {
		return false
	}
	for k, a := range addrs {
		if a.Is6() != v6 || string(kept[k*n:(k+1)*n]) != string(a.AsSlice()) {
			return false
		}
	}
	return true
}

// packAddrs copies an advert's addresses of the family (Unmarshal makes no
// other), packed.
func packAddrs(addrs []netip.Addr, v6 bool) []byte {
	out := make([]byte, 0, addrLen(v6)*len(addrs))
	for _, a := range addrs {
		if a.Is6() == v6 {
			out = append(out, a.AsSlice()...)
		}
	}
	return out
}

func unpackAddrs(b []byte, v6 bool) []netip.Addr {
	n := addrLen(v6)
	out := make([]netip.Addr, 0, len(b)/n)
	for ; len(b) >= n; b = b[n:] {
		a, _ := netip.AddrFromSlice(b[:n])
		out = append(out, a)
	}
	return out
}

// reasonOf is the drop reason named s ("" and unknown names: none).
func reasonOf(s string) vrrp.Reason {
	if s == "" {
		return 0
	}
	for _, r := range vrrp.Reasons() {
		if r.String() == s {
			return r
		}
	}
	return 0
}
