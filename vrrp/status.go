package vrrp

import (
	"net/netip"
	"slices"
	"sort"
	"sync"
	"time"
)

// Status is a snapshot of one instance for operators (hadirector status).
type Status struct {
	Name           string            `json:"name"`
	Interface      string            `json:"interface"`
	VRID           uint8             `json:"vrid"`
	Version        int               `json:"version"`
	State          string            `json:"state"`
	Priority       uint8             `json:"priority"`
	Effective      uint8             `json:"effective_priority"`
	AdvertInterval time.Duration     `json:"advert_interval_ns"`
	Master         string            `json:"master,omitempty"`
	Hold           bool              `json:"preempt_hold,omitempty"`
	LastTransition *Transition       `json:"last_transition,omitempty"`
	VIPs           []netip.Addr      `json:"vips"`
	VIPsHeld       bool              `json:"vips_held"`
	GARPs          uint64            `json:"garps"`
	AdvertsIn      uint64            `json:"adverts_in"`
	AdvertsOut     uint64            `json:"adverts_out"`
	Transitions    uint64            `json:"transitions"`
	Drops          map[string]uint64 `json:"drops"`
	Speakers       []Speaker         `json:"speakers"`
}

// Transition is one state change, numbered in the order the daemon made them.
type Transition struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Instance string    `json:"instance"`
	VRID     uint8     `json:"vrid"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Reason   string    `json:"reason"`
	Master   string    `json:"master,omitempty"`
}

// Speaker is another router heard on the instance's VRID.
type Speaker struct {
	Src       netip.Addr   `json:"src"`
	Priority  uint8        `json:"priority"`
	Addrs     []netip.Addr `json:"addrs"`
	LastHeard time.Time    `json:"last_heard"`
	Accepted  bool         `json:"accepted"`
	Reason    string       `json:"drop_reason,omitempty"`
}

// speakerWindow is how long a speaker stays listed after it was last heard.
const speakerWindow = time.Minute

// speakers remembers who was heard on a VRID, accepted or not, so that a
// misconfigured peer shows up in status at once. A VRID has one or two
// speakers as a rule: a short slice, updated in place, costs less per
// advert than a map.
type speakers struct {
	mu sync.Mutex
	s  []Speaker
}

// maxSpeakers bounds memory under a flood of sources.
const maxSpeakers = 64

func (s *speakers) heard(sp Speaker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.s {
		if s.s[k].Src == sp.Src {
			if slices.Equal(s.s[k].Addrs, sp.Addrs) {
				sp.Addrs = s.s[k].Addrs // the usual case: nothing to copy
			} else {
				sp.Addrs = slices.Clone(sp.Addrs)
			}
			s.s[k] = sp
			return
		}
	}
	if len(s.s) >= maxSpeakers {
		s.expire(sp.LastHeard)
		if len(s.s) >= maxSpeakers {
			return
		}
	}
	sp.Addrs = slices.Clone(sp.Addrs) // the reader reuses the packet's storage
	s.s = append(s.s, sp)
}

func (s *speakers) expire(now time.Time) {
	s.s = slices.DeleteFunc(s.s, func(v Speaker) bool { return now.Sub(v.LastHeard) > speakerWindow })
}

func (s *speakers) list(now time.Time) []Speaker {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	out := slices.Clone(s.s)
	sort.Slice(out, func(i, j int) bool { return out[i].Src.Less(out[j].Src) })
	return out
}
