package control

import (
	"time"

	"github.com/hadirector/hadirector/vrrp/router"
)

// The commands a daemon answers: Request.Cmd on the wire. Client sends
// them and the daemon's handler switches on them; no other code spells
// them.
const (
	CmdStatus     = "status"      // []router.Status of the instances asked for
	CmdWatch      = "watch"       // WatchAck, then one router.Transition per line until the client leaves
	CmdStepDown   = "step-down"   // StepDownReply, then one router.StepDownOutcome per instance
	CmdResume     = "resume"      // ResumeReply
	CmdVanish     = "vanish"      // VanishReply; Request.Duration says how long
	CmdReload     = "reload"      // ReloadReport
	CmdIPVSStatus = "ipvs-status" // ipvs.ManagerStatus, or null without IPVS
	CmdSyncStatus = "sync-status" // sync.Status, or null without [sync]
	CmdBGPStatus  = "bgp-status"  // announce.Status, or null without [bgp]
	CmdDrain      = "drain"       // announce.Status once every VIP is withdrawn
	CmdUndrain    = "undrain"     // announce.Status once the drain is lifted
)

// StepDownReply is the first line of a CmdStepDown answer: how many
// masters began to step down, and the longest their handovers may take
// (a Go duration; empty from a daemon that does not wait for them).
type StepDownReply struct {
	Bound        string `json:"bound,omitempty"`
	SteppingDown int    `json:"stepping_down"`
}

// AnswerWait is how long a client waits for a daemon's answer; for a
// step-down, for its first line and then as much more than its bound.
const AnswerWait = 10 * time.Second

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
	router.ReloadResult
	Warnings []string `json:"warnings,omitempty"`
}
