package router

import (
	"net/netip"
	"time"
)

// t0 is the tests' epoch.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	vip100 = netip.MustParseAddr("192.0.2.100")
	vip101 = netip.MustParseAddr("192.0.2.101")
)
