// Package track watches what a VRRP instance depends on (interfaces,
// scripts, files: keepalived's track_interface, track_script, track_file)
// and turns their states into a fault or an effective priority.
package track
