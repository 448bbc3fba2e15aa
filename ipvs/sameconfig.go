package ipvs

import "slices"

// sameConfig reports whether two configured services are alike in every
// field, their real servers' checks included, so that a reload can skip a
// service it has already normalized and programmed.
func sameConfig(a, b Service) bool {
	return a.Key == b.Key && a.Scheduler == b.Scheduler && a.Persistent == b.Persistent &&
		a.PersistTimeout == b.PersistTimeout && a.PersistNetmask == b.PersistNetmask &&
		a.Quiescent == b.Quiescent && a.Fallback == b.Fallback && a.HashPort == b.HashPort &&
		sameReal(a.Sorry, b.Sorry) && slices.EqualFunc(a.Reals, b.Reals, sameReal)
}

func sameReal(a, b Real) bool {
	if a.Addr != b.Addr || a.Forward != b.Forward || a.Weight != b.Weight || (a.Check == nil) != (b.Check == nil) {
		return false
	}
	return a.Check == b.Check || sameCheck(*a.Check, *b.Check)
}
