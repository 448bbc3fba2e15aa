package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// State is the word keepalived uses for a transition's new state: MASTER,
// BACKUP, FAULT, or STOP when the instance stops (our INIT).
func State(t router.Transition) string {
	if t.To == vrrp.Initialize {
		return "STOP"
	}
	return t.To.String()
}

// FIFOLine is the notify_fifo line of t, as keepalived writes it:
// INSTANCE "name" STATE priority.
func FIFOLine(t router.Transition, priority uint8) string {
	return fmt.Sprintf("INSTANCE %q %s %d\n", t.Instance, State(t), priority)
}

// Notifier runs the notify commands and feeds the FIFO of a configuration.
type Notifier struct {
	log *slog.Logger
	mu  sync.Mutex // guards prio and cmds, which Update changes
	// Per instance, the configured priority (the FIFO line's) and, for
	// those that have any, the notify commands: not the whole settings,
	// which a thousand instances would keep twice over.
	prio map[string]uint8
	cmds map[string]conf.Notify
	// Sync groups: each member's last state word, each group's state.
	groupOf    map[string]string
	groups     map[string]conf.SyncGroup
	memberWord map[string]string
	groupWord  map[string]string
	fifo       *os.File
	// fifoTimeout bounds a write to a FIFO nobody reads.
	fifoTimeout time.Duration
}

// New opens the configuration's FIFO, if any. Close releases it.
func New(cfg *conf.Config, log *slog.Logger) (*Notifier, error) {
	n := &Notifier{log: log, prio: map[string]uint8{}, cmds: map[string]conf.Notify{}, fifoTimeout: 5 * time.Second,
		memberWord: map[string]string{}, groupWord: map[string]string{}}
	if cfg.Global.NotifyFIFO != "" {
		f, err := openFIFO(cfg.Global.NotifyFIFO)
		if err != nil {
			return nil, err
		}
		n.fifo = f
	}
	n.Update(cfg) // after the FIFO: with one, every instance is kept
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
		// Only an instance with something to notify is kept: a director
		// may run a thousand instances and notify none of them.
		if in.Notify != nil || n.fifo != nil {
			n.prio[in.Name] = in.Priority
		} else {
			delete(n.prio, in.Name)
		}
		if in.Notify != nil {
			n.cmds[in.Name] = *in.Notify
		} else {
			delete(n.cmds, in.Name)
		}
	}
	n.groupOf, n.groups = map[string]string{}, map[string]conf.SyncGroup{}
	for _, g := range cfg.SyncGroups {
		n.groups[g.Name] = g
		for _, in := range g.Instances {
			n.groupOf[in] = g.Name
		}
	}
}

// Needed reports whether the configuration asks for any notification.
func Needed(cfg *conf.Config) bool {
	if cfg.Global.NotifyFIFO != "" {
		return true
	}
	for _, in := range cfg.Instances {
		if in.Notify != nil {
			return true
		}
	}
	for _, g := range cfg.SyncGroups {
		if g.Notify.Set() {
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
func (n *Notifier) Handle(t router.Transition) {
	n.mu.Lock()
	prio, ok := n.prio[t.Instance]
	cmds := n.cmds[t.Instance]
	g, gstate := n.groupChange(t)
	n.mu.Unlock()
	if gstate != "" {
		defer n.notifyGroup(t, g, gstate)
	}
	if !ok {
		return // nothing to notify for the instance itself
	}
	if n.fifo != nil {
		_ = n.fifo.SetWriteDeadline(time.Now().Add(n.fifoTimeout))
		if _, err := n.fifo.WriteString(FIFOLine(t, prio)); err != nil {
			n.log.Warn("notify fifo write failed", "fifo", n.fifo.Name(), "seq", t.Seq, "err", err)
		}
	}
	state := State(t)
	if cmds.Any != nil {
		n.run(t, cmds.Timeout, append(cmds.Any[:len(cmds.Any):len(cmds.Any)],
			"INSTANCE", t.Instance, state, strconv.Itoa(int(prio))), "")
	}
	if specific := cmds.For(state); specific != nil {
		n.run(t, cmds.Timeout, specific, "")
	}
}

// groupChange records t's member state and returns the group and its new
// state word when the group's state changed: FAULT as soon as a member
// is, MASTER, BACKUP or STOP once every member is.
func (n *Notifier) groupChange(t router.Transition) (conf.SyncGroup, string) {
	name := n.groupOf[t.Instance]
	if name == "" {
		return conf.SyncGroup{}, ""
	}
	g := n.groups[name]
	n.memberWord[t.Instance] = State(t)
	word, fault, mixed := "", false, false
	for _, m := range g.Instances {
		switch w := n.memberWord[m]; {
		case w == "FAULT":
			fault = true
		case w == "" || word != "" && w != word:
			mixed = true
		default:
			word = w
		}
	}
	switch {
	case fault:
		word = "FAULT"
	case mixed:
		word = "-"
	}
	if word == "-" || word == "" || word == n.groupWord[name] {
		return g, ""
	}
	n.groupWord[name] = word
	return g, word
}

// notifyGroup writes the group's FIFO line (GROUP "name" STATE) and runs
// its commands: notify with GROUP name STATE appended, then the state's.
func (n *Notifier) notifyGroup(t router.Transition, g conf.SyncGroup, state string) {
	if n.fifo != nil {
		_ = n.fifo.SetWriteDeadline(time.Now().Add(n.fifoTimeout))
		if _, err := fmt.Fprintf(n.fifo, "GROUP %q %s\n", g.Name, state); err != nil {
			n.log.Warn("notify fifo write failed", "fifo", n.fifo.Name(), "group", g.Name, "err", err)
		}
	}
	if a := g.Notify.Any; a != nil {
		n.run(t, g.Notify.Timeout, append(a[:len(a):len(a)], "GROUP", g.Name, state), g.Name+" "+state)
	}
	if specific := g.Notify.For(state); specific != nil {
		n.run(t, g.Notify.Timeout, specific, g.Name+" "+state)
	}
}

// run runs argv without a shell. The environment carries the transition:
// HADIRECTOR_SEQ, _INSTANCE, _VRID, _FROM, _STATE, _REASON, _MASTER, and
// for a group's command HADIRECTOR_GROUP and HADIRECTOR_GROUP_STATE
// (group is "NAME STATE" then).
func (n *Notifier) run(t router.Transition, timeout time.Duration, argv []string, group string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(),
		"HADIRECTOR_SEQ="+strconv.FormatUint(t.Seq, 10),
		"HADIRECTOR_INSTANCE="+t.Instance,
		"HADIRECTOR_VRID="+strconv.Itoa(int(t.VRID)),
		"HADIRECTOR_FROM="+t.From.String(),
		"HADIRECTOR_STATE="+State(t),
		"HADIRECTOR_REASON="+t.Reason,
		"HADIRECTOR_MASTER="+t.Master)
	if name, state, ok := strings.Cut(group, " "); ok {
		cmd.Env = append(cmd.Env, "HADIRECTOR_GROUP="+name, "HADIRECTOR_GROUP_STATE="+state)
	}
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
