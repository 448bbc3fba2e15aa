package netlab

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a process the lab started inside a namespace. Its stderr is kept
// line by line so tests can wait for log events.
type Proc struct {
	Name string
	cmd  *exec.Cmd

	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed and replaced on every new line or exit
	exited  bool
	eof     bool          // the output pipe is closed: every line is in
	drained chan struct{} // closed at eof
	waitErr error
	done    chan struct{}
}

// Start runs args inside the namespace ns (via `ip netns exec`, which execs,
// so the PID is the program's own). Its stderr is collected line by line; so
// is its stdout unless out takes it.
func (l *Lab) Start(ns string, out io.Writer, args ...string) (*Proc, error) {
	full := append([]string{"netns", "exec", l.NS(ns)}, args...)
	cmd := exec.Command("ip", full...)
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, w
	if out == nil {
		cmd.Stdout = w
	}
	p := &Proc{Name: ns, cmd: cmd, changed: make(chan struct{}), done: make(chan struct{}), drained: make(chan struct{})}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("start %s in %s: %w", args[0], ns, err)
	}
	l.mu.Lock()
	l.procs = append(l.procs, p)
	l.mu.Unlock()
	go p.collect(r)
	go p.reap()
	return p, nil
}

// collect keeps the output lines; it may outlive the process when a child
// of it holds the pipe, so exit is tracked apart (see reap).
func (p *Proc) collect(r io.ReadCloser) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		p.notify()
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.eof = true
	p.notify()
	p.mu.Unlock()
	close(p.drained)
}

// reap waits for the process to exit.
func (p *Proc) reap() {
	err := p.cmd.Wait()
	p.mu.Lock()
	p.exited, p.waitErr = true, err
	p.notify()
	p.mu.Unlock()
	close(p.done)
}

// notify wakes the waiters; p.mu is held.
func (p *Proc) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process by PID.
func (p *Proc) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill ends the process by PID with SIGKILL and waits for it to be reaped.
func (p *Proc) Kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Wait waits for the process to exit and its output to be read in (or ctx)
// and returns its exit status.
func (p *Proc) Wait(ctx context.Context) (int, error) {
	for _, ch := range []chan struct{}{p.done, p.drained} {
		select {
		case <-ch:
		case <-ctx.Done():
			return -1, fmt.Errorf("%s still running: %w", p.Name, ctx.Err())
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.ProcessState.ExitCode(), nil
}

// Lines returns a copy of the stderr lines so far.
func (p *Proc) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// Event is one JSON log line, decoded.
type Event map[string]any

// Str returns a field as a string.
func (e Event) Str(k string) string {
	v, _ := e[k].(string)
	return v
}

// Events decodes the JSON log lines from index from on; other lines are skipped.
func (p *Proc) Events(from int) []Event {
	evs, _ := p.EventsSince(from)
	return evs
}

// EventsSince is Events, and the index after the last line it read, from
// one copy of the log: a reader that polls passes it back as from and
// misses no line written between two of its reads.
func (p *Proc) EventsSince(from int) ([]Event, int) {
	lines := p.Lines()
	var evs []Event
	for _, l := range lines[min(from, len(lines)):] {
		var e Event
		if strings.HasPrefix(l, "{") && json.Unmarshal([]byte(l), &e) == nil {
			evs = append(evs, e)
		}
	}
	return evs, len(lines)
}

// WaitFor waits until match is true of a JSON log event at line index >=
// from (see Mark), and returns that event and the index after its line. It
// waits on the log, not on a clock: timeout only bounds a test that would
// otherwise hang.
func (p *Proc) WaitFor(from int, timeout time.Duration, match func(Event) bool) (Event, int, error) {
	var ev Event
	next, err := p.WaitLine(from, timeout, func(line string) bool {
		var e Event
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil && match(e) {
			ev = e
			return true
		}
		return false
	})
	return ev, next, err
}

// WaitLine waits until match is true of a stderr line at index >= from and
// returns the index after it.
func (p *Proc) WaitLine(from int, timeout time.Duration, match func(string) bool) (int, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	next := from
	for {
		p.mu.Lock()
		lines := p.lines
		changed := p.changed
		finished := p.exited && p.eof
		p.mu.Unlock()
		for ; next < len(lines); next++ {
			if match(lines[next]) {
				return next + 1, nil
			}
		}
		if finished {
			return next, fmt.Errorf("%s exited before the awaited log line", p.Name)
		}
		select {
		case <-changed:
		case <-deadline.C:
			return next, fmt.Errorf("%s: awaited log line did not come within %v", p.Name, timeout)
		}
	}
}

// Mark is the index of the next log line: events after now are at >= Mark().
func (p *Proc) Mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines)
}
