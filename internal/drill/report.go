package drill

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// Report is what a drill measured. Durations count from the moment the
// drill asked the master to step down (planned) or to vanish (unplanned).
type Report struct {
	Kind           string        `json:"kind"` // planned or unplanned
	Instance       string        `json:"instance"`
	VRID           uint8         `json:"vrid"`
	Interface      string        `json:"interface"`
	VIP            string        `json:"vip"`
	AdvertInterval time.Duration `json:"advert_interval_ns"`
	OldMaster      string        `json:"old_master"`
	NewMaster      string        `json:"new_master"`
	NewPriority    uint8         `json:"new_master_priority"`
	Takeover       time.Duration `json:"takeover_ns"`        // first advert of the new master
	FirstGARP      time.Duration `json:"first_garp_ns"`      // first GARP from the new master
	GARPs          int           `json:"garps"`              // GARPs from the new master while watched
	Watched        time.Duration `json:"watched_ns"`         // how long the wire was watched
	PingSent       int           `json:"ping_sent"`          // echoes sent at PingInterval
	PingReplies    int           `json:"ping_replies"`       // echo replies
	PingInterval   time.Duration `json:"ping_interval_ns"`   // 10 ms
	LongestGap     time.Duration `json:"longest_gap_ns"`     // longest time between two replies
	GapStart       time.Duration `json:"gap_start_ns"`       // the reply before the longest gap
	Bound          time.Duration `json:"rfc_bound_ns"`       // what RFC 5798 allows for this kind
	BoundName      string        `json:"rfc_bound_name"`     // Skew_Time or Master_Down_Interval
	Restored       time.Duration `json:"restored_ns"`        // old master back, when it preempts
	RestoredNote   string        `json:"restored_note"`      // how the pair was left
	Problems       []string      `json:"problems,omitempty"` // what did not happen as it should
	// Timeline is every advert of the VRID, every GARP for the VIP and
	// every ping reply seen while the drill watched, in order.
	Timeline []Event `json:"timeline,omitempty"`
}

// An Event is one packet of the timeline, at its time from the drill's start
// (negative: before it).
type Event struct {
	At       time.Duration `json:"at_ns"`
	Kind     string        `json:"kind"`               // advert, garp or reply
	Src      string        `json:"src,omitempty"`      // the advert's source address; the GARP's MAC
	Priority uint8         `json:"priority,omitempty"` // adverts
}

// WriteJSON writes the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// WriteText writes the report for a person.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "hadirector drill (%s) of %s, VRID %d on %s, VIP %s, adverts every %v\n",
		r.Kind, r.Instance, r.VRID, r.Interface, r.VIP, r.AdvertInterval)
	fmt.Fprintf(w, "  master before:          %s\n", r.OldMaster)
	fmt.Fprintf(w, "  master after:           %s (priority %d)\n", dash(r.NewMaster), r.NewPriority)
	fmt.Fprintf(w, "  new master's 1st advert: %s after the drill began (RFC bound, %s: %s)\n", ms(r.Takeover), r.BoundName, ms(r.Bound))
	a := r.announcement()
	fmt.Fprintf(w, "  new master's 1st %-6s %s; %d %ss in %s watched\n", a+":", ms(r.FirstGARP), r.GARPs, a, ms(r.Watched))
	fmt.Fprintf(w, "  VIP unreachable:        longest gap between ping replies %s (ping every %s: %d sent, %d answered)\n",
		ms(r.LongestGap), ms(r.PingInterval), r.PingSent, r.PingReplies)
	if r.RestoredNote != "" {
		fmt.Fprintf(w, "  afterwards:             %s\n", r.RestoredNote)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  PROBLEM: %s\n", p)
	}
}

// announcement names how the master announces the VIP: GARP, or for an
// IPv6 VIP the unsolicited neighbour advertisement (NA), which the GARP
// fields and timeline events count then.
func (r Report) announcement() string {
	if a, err := netip.ParseAddr(r.VIP); err == nil && a.Is6() {
		return "NA"
	}
	return "GARP"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
