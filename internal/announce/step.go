package announce

import (
	"fmt"
	"time"
)

// Inputs is what is known of one VIP at an instant.
type Inputs struct {
	// OnHost: the VIP is an address of the host (on the loopback, as DR
	// directors hold it), so that the kernel accepts its packets.
	OnHost bool
	// Services are the VIP's IPVS services with their real servers up.
	Services []ServiceUp
	// MinUp is how many real servers each service needs up.
	MinUp int
	// Fault, when not empty, says which tracked object fails.
	Fault string
	// Drained: an operator drained the director (hadirector drain).
	Drained bool
	// Stopping: the daemon is shutting down.
	Stopping bool
}

// ServiceUp is one IPVS service of a VIP and its real servers up.
type ServiceUp struct {
	Name string // as ipvsadm names it: "TCP 203.0.113.10:80"
	Up   int
}

// Reasons a VIP is withdrawn (or announced: Healthy). A reason of
// RealsDown or Fault is followed by ": " and the detail.
const (
	Healthy   = "healthy"
	Stopping  = "stopping"
	Drained   = "drained"
	NotOnHost = "vip-not-on-host"
	Fault     = "track"
	RealsDown = "reals-down"
	Settling  = "settling" // fit, waiting out the announce delay
)

// Decide says whether a VIP with these inputs may be announced, and why
// (or why not). The first reason that holds wins, in the order of the
// constants above.
func Decide(in Inputs) (ok bool, reason string) {
	switch {
	case in.Stopping:
		return false, Stopping
	case in.Drained:
		return false, Drained
	case !in.OnHost:
		return false, NotOnHost
	case in.Fault != "":
		return false, Fault + ": " + in.Fault
	}
	for _, s := range in.Services {
		if s.Up < in.MinUp {
			return false, fmt.Sprintf("%s: %s has %d real servers up, min_up %d", RealsDown, s.Name, s.Up, in.MinUp)
		}
	}
	return true, Healthy
}

// State is one VIP's announcement.
type State struct {
	Announced bool
	Reason    string
	// Since is when Announced last changed (or the VIP was first seen).
	Since time.Time
	// FitSince is when the inputs last became fit, zero while they are not.
	FitSince time.Time
}

// Op is what the driver does to the speaker after a step.
type Op int

// The operations.
const (
	None Op = iota
	Announce
	Withdraw
)

func (o Op) String() string { return [...]string{"none", "announce", "withdraw"}[o] }

// Step is the pure state machine of one VIP: from its state, the inputs
// now and the time, the next state and what to tell the speaker. An unfit
// VIP is withdrawn at once; a fit one is announced once it has been fit
// for delay (0: at once), so that a flapping check does not make the
// routers flap. wake, when not zero, is when to step again though nothing
// changed.
func Step(s State, in Inputs, now time.Time, delay time.Duration) (next State, op Op, wake time.Time) {
	ok, why := Decide(in)
	next = s
	if next.Since.IsZero() {
		next.Since = now
	}
	if !ok {
		next.FitSince = time.Time{}
		next.Reason = why
		if s.Announced {
			next.Announced, next.Since, op = false, now, Withdraw
		}
		return next, op, time.Time{}
	}
	if next.FitSince.IsZero() {
		next.FitSince = now
	}
	if s.Announced {
		next.Reason = Healthy
		return next, None, time.Time{}
	}
	if due := next.FitSince.Add(delay); now.Before(due) {
		next.Reason = Settling
		return next, None, due
	}
	next.Announced, next.Reason, next.Since = true, Healthy, now
	return next, Announce, time.Time{}
}
