package drill

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// BGPReport is what a BGP drain drill measured.
type BGPReport struct {
	Kind     string        `json:"kind"`      // bgp
	Director string        `json:"director"`  // this director's router ID
	VIP      string        `json:"vip"`       // the VIP the streams connected to
	Port     uint16        `json:"port"`      // and its port
	Window   time.Duration `json:"window_ns"` // the streams exchanged this long after the withdrawal
	// Withdrawn is when the daemon's status first showed the VIP withdrawn,
	// from the drain.
	Withdrawn time.Duration `json:"withdrawn_ns"`
	Router    RouterHops    `json:"router"`
	// FlowsMoved is the IPVS connection entries of this director for the
	// VIP and port before the drain: the flows the drain moved to the other
	// directors. -1: unknown (no IPVS connection table on this host).
	FlowsMoved int          `json:"flows_moved"`
	Streams    StreamReport `json:"streams"`
	Afterwards string       `json:"afterwards"`
	Problems   []string     `json:"problems,omitempty"`
}

// RouterHops is the router's next-hop count for the VIP; -1 where it was
// not asked or did not answer.
type RouterHops struct {
	Asked  bool `json:"asked"`
	Before int  `json:"before"`
	During int  `json:"during"`
	After  int  `json:"after"`
}

// StreamReport is what became of the drill's long-lived TCP streams.
type StreamReport struct {
	Opened   int            `json:"opened"`
	Answered int            `json:"answered"`            // before the drain
	ByServer map[string]int `json:"by_server,omitempty"` // who answered each, when the server names itself
	Survived int            `json:"survived"`            // kept exchanging with the same server through the window
	Ended    []string       `json:"ended,omitempty"`     // how each other stream ended
}

// WriteJSON writes the report as one JSON object.
func (r BGPReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a person.
func (r BGPReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "hadirector drill (bgp drain) of director %s, VIP %s port %d\n", r.Director, r.VIP, r.Port)
	fmt.Fprintf(w, "  withdrawn:              %s after the drain\n", ms(r.Withdrawn))
	if r.Router.Asked {
		fmt.Fprintf(w, "  router's next hops:     %s before, %s during, %s after\n",
			hopCount(r.Router.Before), hopCount(r.Router.During), hopCount(r.Router.After))
	} else {
		fmt.Fprintf(w, "  router's next hops:     not asked (give --router-cmd)\n")
	}
	if r.FlowsMoved < 0 {
		fmt.Fprintf(w, "  flows moved:            unknown (no IPVS connection table on this host)\n")
	} else {
		fmt.Fprintf(w, "  flows moved:            %d IPVS connections of this director to the VIP\n", r.FlowsMoved)
	}
	s := r.Streams
	fmt.Fprintf(w, "  streams survived:       %d of %d (%d answered before the drain; window %v)\n", s.Survived, s.Opened, s.Answered, r.Window)
	if len(s.ByServer) > 0 {
		fmt.Fprintf(w, "  streams by server:     ")
		for _, k := range slices.Sorted(maps.Keys(s.ByServer)) {
			fmt.Fprintf(w, " %s %d", k, s.ByServer[k])
		}
		fmt.Fprintln(w)
	}
	for _, e := range s.Ended {
		fmt.Fprintf(w, "  stream ended:           %s\n", e)
	}
	fmt.Fprintf(w, "  afterwards:             %s\n", r.Afterwards)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  PROBLEM: %s\n", p)
	}
}

func hopCount(n int) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}
