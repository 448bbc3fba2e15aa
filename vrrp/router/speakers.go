package router

import (
	"net/netip"
	"slices"
	"sync"
	"time"
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

// heardFrom is a Speaker as kept: IPv4 addresses as 4 bytes, the time as Unix
// nanoseconds. Every instance of a large director keeps one or two.
type heardFrom struct {
	at       int64 // LastHeard
	addrs    [][4]byte
	reason   string
	src      [4]byte
	priority uint8
	accepted bool
}

// maxSpeakers bounds memory under a flood of sources.
const maxSpeakers = 64

func (s *speakers) heard(sp Speaker) {
	if !sp.Src.Is4() {
		return // adverts come over IPv4 only
	}
	h := heardFrom{at: sp.LastHeard.UnixNano(), reason: sp.Reason, src: sp.Src.As4(), priority: sp.Priority, accepted: sp.Accepted}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.s {
		if s.s[k].src == h.src {
			h.addrs = s.s[k].addrs // the usual case: nothing to copy
			if !sameAddrs(h.addrs, sp.Addrs) {
				h.addrs = addrs4(sp.Addrs)
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
	h.addrs = addrs4(sp.Addrs) // a copy: the reader reuses the packet's storage
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
		sp := Speaker{Src: netip.AddrFrom4(h.src), Priority: h.priority, LastHeard: time.Unix(0, h.at),
			Accepted: h.accepted, Reason: h.reason, Addrs: make([]netip.Addr, len(h.addrs))}
		for k, a := range h.addrs {
			sp.Addrs[k] = netip.AddrFrom4(a)
		}
		out = append(out, sp)
	}
	slices.SortFunc(out, func(a, b Speaker) int { return a.Src.Compare(b.Src) })
	return out
}

func sameAddrs(kept [][4]byte, addrs []netip.Addr) bool {
	if len(kept) != len(addrs) {
		return false
	}
	for k, a := range addrs {
		if !a.Is4() || a.As4() != kept[k] {
			return false
		}
	}
	return true
}

// addrs4 copies an advert's addresses, IPv4 all (Unmarshal makes no other).
func addrs4(addrs []netip.Addr) [][4]byte {
	out := make([][4]byte, 0, len(addrs))
	for _, a := range addrs {
		if a.Is4() {
			out = append(out, a.As4())
		}
	}
	return out
}
