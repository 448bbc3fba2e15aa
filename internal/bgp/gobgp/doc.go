// Package gobgp is the BGP engine of the speaker process (hadirector-bgp):
// a thin Speaker around GoBGP (github.com/osrg/gobgp/v4) used as a
// library, which starts the sessions, originates and withdraws host
// prefixes (/32, /128) and reports each peer's session. Only the speaker
// process links it; the director talks to that process (package bgp).
package gobgp
