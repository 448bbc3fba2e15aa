package track

import (
	"fmt"

	"github.com/hadirector/hadirector/conf"
)

// State is what is known of one tracked object.
type State struct {
	Known bool // false until the first observation; an unknown object counts as good
	Up    bool // interface up and carrying (IFF_UP and IFF_LOWER_UP); script succeeding
	Value int  // file: the integer it holds
}

// Effect is pure: from the configured priority and the objects' states it
// returns whether the instance is faulted (and by what), and its effective
// priority, within 1..254 (an owner's 255 is returned unchanged).
func Effect(base uint8, ts []conf.Track, st []State) (fault bool, prio uint8, why string) {
	delta := 0
	for k, t := range ts {
		s := st[k]
		if !s.Known {
			continue
		}
		switch t.Kind {
		case conf.TrackFile:
			switch {
			case t.Weight == 0 && s.Value != 0:
				if !fault {
					fault, why = true, fmt.Sprintf("%s holds %d", t.Name(), s.Value)
				}
			case t.Weight != 0:
				delta += s.Value * t.Weight
			}
		default:
			switch {
			case t.Weight == 0 && !s.Up:
				if !fault {
					fault, why = true, t.Name()+" failed"
				}
			case t.Weight < 0 && !s.Up, t.Weight > 0 && s.Up:
				delta += t.Weight
			}
		}
	}
	if base == 255 {
		return fault, 255, why
	}
	p := int(base) + delta
	return fault, uint8(max(1, min(254, p))), why
}
