// Package bgp announces a director's VIPs to its routers over BGP: a thin
// Speaker around GoBGP (github.com/osrg/gobgp/v4) used as a library, which
// starts the sessions, originates and withdraws host prefixes (/32, /128)
// and reports each peer's session. What to announce is decided elsewhere
// (package announce); this package only speaks.
package bgp
