package router

import "time"

// t0 is the tests' epoch.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
