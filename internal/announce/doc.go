// Package announce decides, VIP by VIP, whether this director announces
// a VIP to its BGP peers: while it is fit to serve it (the VIP on the
// host, enough real servers up, tracking good, not drained, not
// stopping). Step is the pure decision; Announcer drives it from the
// inputs' changes and tells a Speaker.
package announce
