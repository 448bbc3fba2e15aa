// Package sync is hadirector's side of the IPVS connection-synchronisation
// daemon: a pure codec for the kernel's sync protocol version 1
// (net/netfilter/ipvs/ip_vs_sync.c), control of the kernel's master and
// backup sync threads over generic netlink (on an IPv4 or an IPv6 group), a
// listener for the sync group,
// and the logic that ties the daemons and the fail-back hold to VRRP.
package sync
