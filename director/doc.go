// Package director runs hadirector's daemon: it wires the VRRP daemon, the
// IPVS manager, connection sync, the control socket, metrics and notify
// commands together, starts them in that order, reloads them on SIGHUP or
// a control request, and stops them in the reverse order.
//
// Start logs the file's warnings, then opens and starts every part the
// configuration names: the VRRP daemon's sockets first, then the IPVS manager (programming the table
// before any instance can become master), then the kernel's sync threads
// as a backup's, which from then on follow the configured instance's
// transitions, then the control socket and the metrics listener, then the
// notifier, subscribed before the instances start so that their first
// transitions are notified. If a part fails to start, the parts already
// started stop, in reverse (the VRRP daemon's sockets close last), and
// Start returns the part's error. Run then
// runs the VRRP instances until its context ends (SIGTERM), tells systemd
// (READY=1, STOPPING=1) and stops the parts in reverse: the control socket
// answers until the instances have stopped, and the sync threads stop
// after them.
//
// The parts that need the kernel are reached through small interfaces
// (VRRP, IPVS, Sync), so that the wiring is tested without root.
package director
