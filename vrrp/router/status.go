package router

import (
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// Status is a snapshot of one instance for operators (hadirector status).
type Status struct {
	Name           string            `json:"name"`
	Interface      string            `json:"interface"`
	VRID           uint8             `json:"vrid"`
	Version        int               `json:"version"`
	State          vrrp.State        `json:"state"`
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
	// AddrListMismatch counts VRRPv3 adverts processed although their
	// addresses were not the instance's VIPs (RFC 5798 section 7.1).
	AddrListMismatch uint64    `json:"addr_list_mismatch"`
	Speakers         []Speaker `json:"speakers"`
}

// Transition is one state change, numbered in the order the daemon made them.
type Transition struct {
	Seq      uint64     `json:"seq"`
	At       time.Time  `json:"at"`
	Instance string     `json:"instance"`
	VRID     uint8      `json:"vrid"`
	From     vrrp.State `json:"from"`
	To       vrrp.State `json:"to"`
	Reason   string     `json:"reason"`
	Master   string     `json:"master,omitempty"`
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
