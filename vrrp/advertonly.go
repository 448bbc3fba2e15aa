package vrrp

// advertOnlyActs holds, for each priority, the actions of a master's
// ordinary timer step: one advert. A thousand masters at 100 ms take that
// step ten thousand times a second, and a fresh slice each time was the
// daemon's whole steady-state garbage.
var advertOnlyActs = func() (t [256][1]Action) {
	for p := range t {
		t[p][0] = Action{Kind: ActSendAdvert, Priority: uint8(p)}
	}
	return t
}()

// advertOnly is the one-advert action list for prio. It is shared: callers
// read it and never write to it; its capacity is its length, so an append
// copies.
func advertOnly(prio uint8) []Action { return advertOnlyActs[prio][:] }
