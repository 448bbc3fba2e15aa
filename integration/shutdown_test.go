package integration

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

// exitBound is how long a director may take from SIGTERM to its exit: a
// priority-0 advert, the VIPs removed and the sockets closed take a few
// milliseconds, tens on a loaded machine under the race detector. A
// shutdown that waits on something else took seconds.
const exitBound = time.Second

// TestSIGTERMBothAtOnce: two directors at 10 ms adverts, both sent SIGTERM
// in the same instant, again and again: each exits at once, cleanly.
func TestSIGTERMBothAtOnce(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	// The race detector's exit sleeps a second (atexit_sleep_ms) to catch
	// late races; a release build does not, and the exit is what is timed.
	p.env = []string{"GORACE=atexit_sleep_ms=0"}
	for run := 0; run < 6; run++ {
		a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "10ms", Preempt: true})
		b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "10ms", Preempt: true})
		p.waitState(a, 0, "MASTER")
		p.waitAdvertFrom(b, 0, "192.0.2.11")
		must(t, a.Signal(syscall.SIGTERM))
		must(t, b.Signal(syscall.SIGTERM))
		sent := time.Now()
		for _, d := range []*netlab.Proc{a, b} {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			code, err := d.Wait(ctx)
			cancel()
			must(t, err)
			took := time.Since(sent)
			if code != 0 {
				t.Fatalf("run %d: %s exited %d after SIGTERM, want 0", run, d.Name, code)
			}
			if took > exitBound {
				t.Errorf("run %d: %s exited %v after SIGTERM, want within %v", run, d.Name, took, exitBound)
			}
			t.Logf("run %d: %s exited after %v", run, d.Name, took)
		}
		p.wantVIPs("dA", 0)
		p.wantVIPs("dB", 0)
	}
}
