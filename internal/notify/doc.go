// Package notify tells the outside world about VRRP transitions: it runs
// each instance's notify commands and writes keepalived's notify_fifo
// lines, in the daemon's order, without ever holding up a state machine.
package notify
