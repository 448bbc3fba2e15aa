// Package vrrp is the Virtual Router Redundancy Protocol (RFC 5798 VRRPv3 for
// IPv4 and IPv6, RFC 3768 VRRPv2), wire-compatible with keepalived, as pure
// code on the standard library alone: the packet codec and checksum, the
// receive checks (Accept, Reason, DropError), the state machine (Step: a
// Machine and an Event in, a Machine and Actions out) with its timers'
// arithmetic, and Mono, its compact instant. It does no I/O and reads no
// clock but in MonoOf; vrrp/router drives it, internal/netio carries its
// packets.
package vrrp
