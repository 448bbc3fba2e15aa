// Package alarmtest checks an alarm, the timer the router's scheduler sleeps
// on, against the contract both implementations keep (netio's timerfd and
// the router's runtime timer). Only tests import it.
package alarmtest

import (
	"testing"
	"time"
)

// Alarm is the contract: Arm makes Wait return once the duration has
// passed (at once for zero or less), Disarm keeps it from returning.
type Alarm interface {
	Arm(time.Duration)
	Disarm()
	Wait()
	Close() error
}

// Check runs the contract against a and closes it: never early, at once
// for zero, a waiter woken by a re-arm from another goroutine, silent
// while armed far ahead.
func Check(t *testing.T, a Alarm) {
	t.Helper()
	defer a.Close()
	a.Arm(0)
	a.Wait()

	// Never early: a lower bound that no scheduling delay can break.
	start := time.Now()
	a.Arm(20 * time.Millisecond)
	a.Wait()
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("armed for 20ms, went off after %v", d)
	}

	// Disarmed, then armed far ahead: a waiter is woken by a re-arm to
	// now, as a new earliest deadline wakes the scheduler.
	a.Disarm()
	a.Arm(time.Hour)
	woke := make(chan struct{})
	go func() { a.Wait(); close(woke) }()
	select {
	case <-woke:
		t.Fatal("an alarm armed for an hour went off")
	case <-time.After(10 * time.Millisecond):
	}
	a.Arm(0)
	<-woke
}
