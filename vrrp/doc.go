// Package vrrp implements the Virtual Router Redundancy Protocol for IPv4 (RFC 5798 VRRPv3
// and RFC 3768 VRRPv2), wire-compatible with keepalived: the packet codec, the state machine,
// and the driver that runs an instance on an interface.
package vrrp
