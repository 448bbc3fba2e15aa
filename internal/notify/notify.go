package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/vrrp"
)

// State is the word keepalived uses for a transition's new state: MASTER,
// BACKUP, FAULT, or STOP when the instance stops (our INIT).
func State(t vrrp.Transition) string {
	if t.To == "INIT" {
		return "STOP"
	}
	return t.To
}

// FIFOLine is the notify_fifo line of t, as keepalived writes it:
// INSTANCE "name" STATE priority.
func FIFOLine(t vrrp.Transition, priority uint8) string {
	return fmt.Sprintf("INSTANCE %q %s %d\n", t.Instance, State(t), priority)
}

// Notifier runs the notify commands and feeds the FIFO of a configuration.
type Notifier struct {
	log   *slog.Logger
	mu    sync.Mutex // guards insts, which Update changes
	insts map[string]conf.Instance
	fifo  *os.File
	// fifoTimeout bounds a write to a FIFO nobody reads.
	fifoTimeout time.Duration
}

// New opens the configuration's FIFO, if any. Close releases it.
func New(cfg *conf.Config, log *slog.Logger) (*Notifier, error) {
	n := &Notifier{log: log, insts: map[string]conf.Instance{}, fifoTimeout: 5 * time.Second}
	for _, in := range cfg.Instances {
		n.insts[in.Name] = in
	}
	if cfg.Global.NotifyFIFO != "" {
		f, err := openFIFO(cfg.Global.NotifyFIFO)
		if err != nil {
			return nil, err
		}
		n.fifo = f
	}
	return n, nil
}

// Update takes the instances' notify settings from a reloaded cfg. An
// instance the file no longer has keeps its old settings, so that its stop
// is notified as before. The FIFO is not reopened: a new notify_fifo needs
// a restart.
func (n *Notifier) Update(cfg *conf.Config) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, in := range cfg.Instances {
		n.insts[in.Name] = in
	}
}

// Needed reports whether the configuration asks for any notification.
func Needed(cfg *conf.Config) bool {
	if cfg.Global.NotifyFIFO != "" {
		return true
	}
	for _, in := range cfg.Instances {
		nf := in.Notify
		if nf.Any != nil || nf.Master != nil || nf.Backup != nil || nf.Stop != nil || nf.Fault != nil {
			return true
		}
	}
	return false
}

// Close closes the FIFO.
func (n *Notifier) Close() error {
	if n.fifo == nil {
		return nil
	}
	return n.fifo.Close()
}

// Handle notifies one transition: the FIFO line first, then the commands,
// one after another, each bounded by the instance's notify_timeout. It is
// meant to run in an Events subscriber, which calls it in sequence order.
func (n *Notifier) Handle(t vrrp.Transition) {
	n.mu.Lock()
	in, ok := n.insts[t.Instance]
	n.mu.Unlock()
	if !ok {
		return
	}
	if n.fifo != nil {
		_ = n.fifo.SetWriteDeadline(time.Now().Add(n.fifoTimeout))
		if _, err := n.fifo.WriteString(FIFOLine(t, in.Priority)); err != nil {
			n.log.Warn("notify fifo write failed", "fifo", n.fifo.Name(), "seq", t.Seq, "err", err)
		}
	}
	state := State(t)
	if in.Notify.Any != nil {
		n.run(t, in.Notify.Timeout, append(in.Notify.Any[:len(in.Notify.Any):len(in.Notify.Any)],
			"INSTANCE", t.Instance, state, strconv.Itoa(int(in.Priority))))
	}
	var specific []string
	switch state {
	case "MASTER":
		specific = in.Notify.Master
	case "BACKUP":
		specific = in.Notify.Backup
	case "STOP":
		specific = in.Notify.Stop
	case "FAULT":
		specific = in.Notify.Fault
	}
	if specific != nil {
		n.run(t, in.Notify.Timeout, specific)
	}
}

// run runs argv without a shell. The environment carries the transition:
// HADIRECTOR_SEQ, _INSTANCE, _VRID, _FROM, _STATE, _REASON, _MASTER.
func (n *Notifier) run(t vrrp.Transition, timeout time.Duration, argv []string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(),
		"HADIRECTOR_SEQ="+strconv.FormatUint(t.Seq, 10),
		"HADIRECTOR_INSTANCE="+t.Instance,
		"HADIRECTOR_VRID="+strconv.Itoa(int(t.VRID)),
		"HADIRECTOR_FROM="+t.From,
		"HADIRECTOR_STATE="+State(t),
		"HADIRECTOR_REASON="+t.Reason,
		"HADIRECTOR_MASTER="+t.Master)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second // a child that keeps the output open cannot hold us
	start := time.Now()
	err := cmd.Run()
	attrs := []any{"instance", t.Instance, "seq", t.Seq, "state", State(t), "command", argv[0],
		"took", time.Since(start).Round(time.Millisecond)}
	if out.Len() > 0 {
		attrs = append(attrs, "output", truncate(out.String(), 512))
	}
	switch {
	case ctx.Err() != nil:
		n.log.Warn("notify command killed at its timeout", append(attrs, "timeout", timeout)...)
	case err != nil:
		n.log.Warn("notify command failed", append(attrs, "err", err)...)
	default:
		n.log.Debug("notify command ran", attrs...)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
