package control

import (
	"github.com/hadirector/hadirector/vrrp"
)

// The commands a daemon answers: Request.Cmd on the wire. Client sends
// them and the daemon's handler switches on them; no other code spells
// them.
const (
	CmdStatus     = "status"      // []vrrp.Status of the instances asked for
	CmdWatch      = "watch"       // WatchAck, then one vrrp.Transition per line until the client leaves
	CmdStepDown   = "step-down"   // StepDownReply
	CmdResume     = "resume"      // ResumeReply
	CmdVanish     = "vanish"      // VanishReply; Request.Duration says how long
	CmdReload     = "reload"      // ReloadReport
	CmdIPVSStatus = "ipvs-status" // ipvs.ManagerStatus, or null without IPVS
	CmdSyncStatus = "sync-status" // sync.Status, or null without [sync]
)

// StepDownReply answers CmdStepDown: how many masters began to step down.
type StepDownReply struct {
	SteppingDown int `json:"stepping_down"`
}

// ResumeReply answers CmdResume: how many instances were told to resume.
type ResumeReply struct {
	Resumed int `json:"resumed"`
}

// VanishReply answers CmdVanish: how long the instances fall silent, as a
// Go duration.
type VanishReply struct {
	VanishedFor string `json:"vanished_for"`
}

// WatchAck is the first line of a CmdWatch stream, before any transition.
type WatchAck struct {
	Watching string `json:"watching"` // "transitions"
}

// ReloadReport answers CmdReload: which instances were kept, rebuilt,
// added and removed, and what the new file changes only at a restart.
type ReloadReport struct {
	vrrp.ReloadResult
	Warnings []string `json:"warnings,omitempty"`
}
