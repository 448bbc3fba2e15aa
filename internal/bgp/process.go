package bgp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
)

// How long the director waits on the speaker process.
const (
	startWait = 10 * time.Second // for the start request's answer
	callWait  = 5 * time.Second  // for any other answer
	stopWait  = 5 * time.Second  // for the process to end once told
)

// Process is the speaker process as the director sees it: an
// announce.Speaker that runs the speaker program as its child and
// restarts it when it dies. What was announced is kept here, so that a
// new process announces it again. Its methods are safe for concurrent use.
type Process struct {
	path     string
	cfg      Config
	log      *slog.Logger
	watchdog time.Duration
	backoff  func(restart int) time.Duration
	stopped  chan struct{} // closed by Stop
	done     chan struct{} // closed when the supervisor has ended

	// op serialises what changes the routes, and a new process's
	// announcing again, so that neither undoes the other.
	op sync.Mutex

	mu        sync.Mutex
	announced map[netip.Addr]bool
	cur       *child // nil while no process runs
	st        announce.SpeakerStatus
	stopping  bool
}

// Start runs the speaker program at path with cfg and waits until it has
// started the speaker; the sessions come up in the background. log
// receives the process's records and what happens to it.
func Start(path string, cfg Config, log *slog.Logger) (*Process, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Process{path: path, cfg: cfg, log: log, watchdog: cfg.Watchdog(), backoff: Backoff,
		stopped: make(chan struct{}), done: make(chan struct{}), announced: map[netip.Addr]bool{}}
	c, err := p.launch()
	if err != nil {
		return nil, err
	}
	p.cur = c
	p.st.PID, p.st.Since = c.cmd.Process.Pid, c.started
	go p.heartbeat()
	go p.supervise(c)
	return p, nil
}

// launch starts a process and its speaker.
func (p *Process) launch() (*child, error) {
	c, err := launch(p.path, p.log)
	if err != nil {
		return nil, err
	}
	cfg := p.cfg
	_, err = c.call(Request{Op: OpStart, Config: &cfg, Watchdog: p.watchdog}, startWait)
	if err != nil {
		if errors.Is(err, errGone) || errors.Is(err, errHung) {
			<-c.exited
			err = fmt.Errorf("%w (%s)", err, c.exitCause())
		} else {
			c.close(stopWait)
		}
		return nil, fmt.Errorf("bgp: speaker process %s: %w", p.path, err)
	}
	return c, nil
}

// Announce originates vip's host route; if no process runs, the next one
// will.
func (p *Process) Announce(vip netip.Addr) error { return p.set(vip, true) }

// Withdraw withdraws vip's host route; if no process runs, the routers
// have dropped it with the sessions already.
func (p *Process) Withdraw(vip netip.Addr) error { return p.set(vip, false) }

func (p *Process) set(vip netip.Addr, on bool) error {
	p.op.Lock()
	defer p.op.Unlock()
	p.mu.Lock()
	if p.stopping {
		p.mu.Unlock()
		return errors.New("bgp: speaker stopped")
	}
	was := p.announced[vip]
	p.setAnnounced(vip, on)
	c := p.cur
	p.mu.Unlock()
	if c == nil {
		return nil
	}
	op := OpWithdraw
	if on {
		op = OpAnnounce
	}
	_, err := c.call(Request{Op: op, VIPs: []netip.Addr{vip}}, callWait)
	if err == nil || errors.Is(err, errGone) || errors.Is(err, errHung) {
		return nil // done, or for the next process to do
	}
	p.mu.Lock()
	p.setAnnounced(vip, was)
	p.mu.Unlock()
	return err
}

func (p *Process) setAnnounced(vip netip.Addr, on bool) {
	if on {
		p.announced[vip] = true
	} else {
		delete(p.announced, vip)
	}
}

// Peers returns every configured peer's session, in configuration order;
// while no process runs, each is idle with the reason.
func (p *Process) Peers() []announce.PeerStatus {
	p.mu.Lock()
	c, last := p.cur, p.st.LastExit
	p.mu.Unlock()
	var why string
	if c != nil {
		rep, err := c.call(Request{Op: OpPeers}, callWait)
		if err == nil {
			return rep.Peers
		}
		why = err.Error()
	} else {
		why = "the speaker process is down, restarting (it ended: " + last + ")"
	}
	out := make([]announce.PeerStatus, 0, len(p.cfg.Peers))
	for _, c := range p.cfg.Peers {
		out = append(out, announce.PeerStatus{Address: c.Address, ASN: c.ASN, State: "idle", LastError: why})
	}
	return out
}

// Process returns the speaker process's status.
func (p *Process) Process() announce.SpeakerStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st
}

// Stop tells the speaker process to stop (it closes its sessions with a
// Cease, and the routers drop the routes), waits for it, and restarts it
// no more.
func (p *Process) Stop() {
	p.mu.Lock()
	if p.stopping {
		p.mu.Unlock()
		<-p.done
		return
	}
	p.stopping = true
	c := p.cur
	p.mu.Unlock()
	close(p.stopped)
	if c != nil {
		c.close(stopWait)
	}
	<-p.done
}

// heartbeat pings the process often enough that its watchdog stays quiet
// while the director runs, and kills a process that stops answering.
func (p *Process) heartbeat() {
	t := time.NewTicker(p.watchdog / 4)
	defer t.Stop()
	for {
		select {
		case <-p.stopped:
			return
		case <-t.C:
		}
		p.mu.Lock()
		c := p.cur
		p.mu.Unlock()
		if c != nil {
			c.call(Request{Op: OpPing}, p.watchdog) // kills it if hung
		}
	}
}

// supervise waits for each process to end and, unless Stop ended it,
// starts another after a backoff and announces again what was announced.
func (p *Process) supervise(c *child) {
	defer close(p.done)
	restart := 0
	for {
		<-c.exited
		cause := c.exitCause()
		p.mu.Lock()
		p.cur = nil
		p.st.PID, p.st.Since, p.st.LastExit = 0, time.Time{}, cause
		stopping := p.stopping
		p.mu.Unlock()
		if stopping {
			return
		}
		if time.Since(c.started) >= stableAfter {
			restart = 0
		}
		for {
			wait := p.backoff(restart)
			restart++
			p.log.Error("bgp: the speaker process ended; its sessions are down and the routers withdraw this director's VIPs until it is back",
				"pid", c.cmd.Process.Pid, "cause", cause, "restart_in", wait)
			select {
			case <-p.stopped:
				return
			case <-time.After(wait):
			}
			nc, err := p.launch()
			if err != nil {
				cause = err.Error()
				p.mu.Lock()
				p.st.LastExit = cause
				p.mu.Unlock()
				continue
			}
			c = nc
			break
		}
		p.op.Lock()
		p.mu.Lock()
		if p.stopping { // Stop came while this one started
			p.mu.Unlock()
			p.op.Unlock()
			c.close(stopWait)
			return
		}
		vips := make([]netip.Addr, 0, len(p.announced))
		for v := range p.announced {
			vips = append(vips, v)
		}
		p.mu.Unlock()
		slices.SortFunc(vips, netip.Addr.Compare)
		var err error
		if len(vips) > 0 {
			_, err = c.call(Request{Op: OpAnnounce, VIPs: vips}, callWait)
		}
		p.mu.Lock()
		p.cur = c
		p.st.PID, p.st.Since = c.cmd.Process.Pid, c.started
		p.st.Restarts++
		p.mu.Unlock()
		p.op.Unlock()
		if err != nil {
			p.log.Error("bgp: the restarted speaker process could not announce the VIPs again", "pid", c.cmd.Process.Pid, "err", err)
		} else {
			p.log.Warn("bgp: the speaker process restarted; VIPs announced again", "pid", c.cmd.Process.Pid, "vips", vips)
		}
	}
}

// stableAfter is how long a process must have run for the next restart
// to come after the shortest backoff again.
const stableAfter = time.Minute

// Backoff is how long to wait before the restart-th restart (0: the first)
// of a process that keeps dying: one second, doubling up to 30.
func Backoff(restart int) time.Duration {
	d := time.Second
	for range min(restart, 5) {
		d *= 2
	}
	return min(d, 30*time.Second)
}
