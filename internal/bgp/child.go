package bgp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Why a call got no answer.
var (
	errGone = errors.New("the speaker process ended")
	errHung = errors.New("the speaker process did not answer in time")
)

// child is one run of the speaker process.
type child struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	log     *slog.Logger
	started time.Time

	wmu sync.Mutex // one request written at a time

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan Reply
	lastErr string // the last error the process logged
	stderr  bytes.Buffer
	exit    string // once exited: how, and the cause it gave

	exited chan struct{} // closed once the process is reaped
}

// stderrKept bounds what is kept of the process's stderr: the start of a
// Go panic says what killed it.
const stderrKept = 4096

// launch starts the speaker program at path; log receives its records.
func launch(path string, log *slog.Logger) (*child, error) {
	cmd := exec.Command(path)
	cmd.SysProcAttr = sysProcAttr()
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, in: in, log: log, waiting: map[uint64]chan Reply{}, exited: make(chan struct{})}
	started := make(chan error)
	go func() {
		// The parent-death signal follows the thread that forked the
		// child, not the process: this goroutine keeps that thread to
		// itself until the child is reaped, so that no other goroutine
		// can end it (as a goroutine that exits while locked does).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := cmd.Start()
		if err == nil {
			c.started = time.Now() // before launch returns c and its callers read it
		}
		started <- err
		if err != nil {
			return
		}
		errDone := make(chan struct{})
		go func() { defer close(errDone); c.keepStderr(errPipe) }()
		c.read(out)
		<-errDone
		werr := cmd.Wait()
		c.mu.Lock()
		c.exit = c.cause(werr)
		c.mu.Unlock()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("bgp: start the speaker process %s: %w", path, err)
	}
	return c, nil
}

// read delivers the replies to their callers and logs the log records,
// until the process closes its stdout.
func (c *child) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), MaxLine)
	for sc.Scan() {
		r, err := UnmarshalReply(sc.Bytes())
		if err != nil {
			c.log.Error("bgp: a bad message from the speaker process; killing it", "pid", c.cmd.Process.Pid, "err", err)
			c.kill()
			break
		}
		if r.Log != nil {
			args := make([]any, 0, len(r.Log.Attrs)+2)
			for _, a := range r.Log.Attrs {
				args = append(args, a)
			}
			c.log.Log(context.Background(), r.Log.Level, r.Log.Msg, append(args, "speaker_pid", c.cmd.Process.Pid)...)
			if r.Log.Level >= slog.LevelError {
				c.mu.Lock()
				c.lastErr = r.Log.Msg
				c.mu.Unlock()
			}
			continue
		}
		c.mu.Lock()
		ch := c.waiting[r.ID]
		delete(c.waiting, r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r // buffered
		}
	}
	io.Copy(io.Discard, out) // to EOF, as Wait wants
}

// keepStderr keeps the start of the process's stderr.
func (c *child) keepStderr(r io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		c.mu.Lock()
		if room := stderrKept - c.stderr.Len(); room > 0 {
			c.stderr.Write(buf[:min(n, room)])
		}
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// cause says how the process ended and, if it said, why: its last error
// record, or the first lines of its stderr (a Go panic's message).
func (c *child) cause(werr error) string {
	how := "exit status 0"
	if werr != nil {
		how = werr.Error()
	}
	if c.lastErr != "" {
		how += ": " + c.lastErr
	}
	if s := strings.TrimSpace(c.stderr.String()); s != "" {
		lines := strings.SplitN(s, "\n", 3)
		how += "; stderr: " + strings.Join(lines[:min(len(lines), 2)], " | ")
	}
	return how
}

// call sends r (its ID set here) and waits for the answer, for at most
// wait; a process that does not answer in time is killed.
func (c *child) call(r Request, wait time.Duration) (Reply, error) {
	ch := make(chan Reply, 1)
	c.mu.Lock()
	c.next++
	r.ID = c.next
	c.waiting[r.ID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, r.ID)
		c.mu.Unlock()
	}()
	b, err := MarshalRequest(r)
	if err != nil {
		return Reply{}, err
	}
	c.wmu.Lock()
	_, err = c.in.Write(b)
	c.wmu.Unlock()
	if err != nil {
		return Reply{}, errGone
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case rep := <-ch:
		if rep.Err != "" {
			return rep, errors.New(rep.Err)
		}
		return rep, nil
	case <-c.exited:
		return Reply{}, errGone
	case <-t.C:
		c.log.Error("bgp: the speaker process does not answer; killing it", "pid", c.cmd.Process.Pid, "op", r.Op, "waited", wait)
		c.kill()
		return Reply{}, errHung
	}
}

// kill ends the process by its PID.
func (c *child) kill() { c.cmd.Process.Signal(os.Kill) }

// close closes the process's input, which tells it to stop, and waits
// for it to end for at most wait before it kills it.
func (c *child) close(wait time.Duration) {
	c.wmu.Lock()
	c.in.Close()
	c.wmu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-c.exited:
	case <-t.C:
		c.log.Warn("bgp: the speaker process did not stop; killing it", "pid", c.cmd.Process.Pid, "waited", wait)
		c.kill()
		<-c.exited
	}
}

// exitCause is how the process ended; "" while it runs.
func (c *child) exitCause() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exit
}
