package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestBlockedLogDoesNotStopTheStateMachine: dA's stderr is a 4 KiB pipe
// that nobody reads, filled by its debug log of every advert it hears.
// When the master dB is killed, dA must still take over: a director whose
// log writes block would sit in a write and never do. (That lost lines are
// counted and reported is internal/logw's unit test.)
func TestBlockedLogDoesNotStopTheStateMachine(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	b := p.start("dB", instanceConf{Priority: 200, Version: 3, Interval: "100ms", Preempt: true})
	p.waitState(b, 0, "MASTER")

	r, w, err := os.Pipe()
	must(t, err)
	defer r.Close()
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(p.dir, "dA.toml")
	must(t, os.WriteFile(path, []byte(instanceConf{Priority: 100, Version: 3, Interval: "100ms", Preempt: true}.toml()), 0o644))
	cmd := exec.Command("ip", "netns", "exec", p.lab.NS("dA"), binary, "run", "-c", path, "-s", path+".sock",
		"--log-format", "json", "--log-level", "debug")
	cmd.Stdout, cmd.Stderr = w, w
	must(t, cmd.Start())
	w.Close()
	t.Cleanup(func() { // by PID, even on failure
		cmd.Process.Kill()
		cmd.Wait()
	})
	until(t, "a thread of dA is blocked writing its log to the full pipe", func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", cmd.Process.Pid))
		for _, f := range tasks {
			if b, err := os.ReadFile(f); err == nil && strings.HasSuffix(string(b), "pipe_write") {
				return true
			}
		}
		return false
	})
	b.Kill()
	until(t, "dA holds the VIPs with its log blocked", func() bool { return len(p.vips("dA")) == 2 })

	must(t, cmd.Process.Signal(syscall.SIGTERM))
}

// until polls a kernel-side condition (no event tells us) every 20 ms,
// for at most waitFor.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
