package drill

import (
	"encoding/json"
	"fmt"
	"strings"
)

// RIBNextHops reads the active next hops of prefix's selected route from
// FRR's "show ip route PREFIX json" output; none when there is no route.
// Text before the first "{" (vtysh's note that it has no vtysh.conf) is
// skipped.
func RIBNextHops(out []byte, prefix string) ([]string, error) {
	s := string(out)
	i := strings.Index(s, "{")
	if i < 0 {
		return nil, fmt.Errorf("no JSON object in the router's answer %q", firstLine(s))
	}
	var rib map[string][]struct {
		Selected bool `json:"selected"`
		Nexthops []struct {
			IP     string `json:"ip"`
			Active bool   `json:"active"`
		} `json:"nexthops"`
	}
	if err := json.Unmarshal([]byte(s[i:]), &rib); err != nil {
		return nil, fmt.Errorf("the router's answer: %w", err)
	}
	var nh []string
	for _, r := range rib[prefix] {
		if !r.Selected {
			continue
		}
		for _, h := range r.Nexthops {
			if h.Active {
				nh = append(nh, h.IP)
			}
		}
	}
	return nh, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}
