package sync

import "fmt"

// Mode says which kernel sync threads run in which VRRP state.
type Mode int

const (
	// Both runs the master and the backup thread in every state. The
	// kernel allows it (one of each per namespace; the master's socket does
	// not loop its own messages back). A backup director's master thread
	// sends nothing, since no traffic passes it; on takeover it is already
	// running, so the first state change is synced with no restart gap, and
	// the old master keeps receiving, so a fail-back finds its table fresh.
	Both Mode = iota
	// Follow runs the master thread only on MASTER and the backup thread
	// otherwise, as keepalived switches them.
	Follow
)

func (m Mode) String() string {
	if m == Follow {
		return "follow"
	}
	return "both"
}

// ParseMode reads "both" or "follow".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "both":
		return Both, nil
	case "follow":
		return Follow, nil
	}
	return Both, fmt.Errorf("sync: mode %q is not both or follow", s)
}

// VRRP is the state of the VRRP instance the threads follow, as the
// composition root maps the router's state to it.
type VRRP uint8

const (
	VRRPStopped VRRP = iota // the instance does not run (INIT, FAULT): nothing runs
	VRRPBackup
	VRRPMaster
)

func (v VRRP) String() string {
	switch v {
	case VRRPBackup:
		return "BACKUP"
	case VRRPMaster:
		return "MASTER"
	}
	return "INIT"
}

// Wanted says which threads should run for a VRRP state.
func Wanted(m Mode, state VRRP) (master, backup bool) {
	switch state {
	case VRRPMaster:
		return true, m == Both
	case VRRPBackup:
		return m == Both, true
	}
	return false, false
}
