// Package router runs VRRP virtual routers: the Daemon and its Instances,
// the one Scheduler that fires every instance's timers and GARP rounds and
// batches the adverts due together, sync groups, reload, step-down, the
// transition Events and the Status operators read. It drives the vrrp
// state machine and reaches the kernel only through what it is handed: a
// Network that opens a Link per interface and family (receive, send a
// batch, VIPs with their prefixes, gratuitous ARP or, for IPv6, neighbour
// advertisements), and per use_vmac virtual router a Link on its
// virtual-MAC interface that its adverts, VIPs and announcements go out
// by while its adverts are read on the interface's; and the Alarm the
// scheduler sleeps on. It takes its own
// Config, which the composition root fills in from the configuration
// file; internal/netio is the real Network's Linux side, and the tests
// use fakes.
package router
