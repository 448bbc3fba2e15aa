package router

import (
	"context"
	"sync"

	"github.com/hadirector/hadirector/vrrp"
)

// groups makes the members of each sync group change state together: one
// leaving MASTER for BACKUP makes the others hand over too, one entering
// MASTER lets the others preempt again, and a tracking fault of one is a
// fault of all. Each member still wins or loses its own election: with
// the same priorities on each director, as a group is meant to be
// configured, they all end on the same director.
type groups struct {
	// report serializes tracked: a member's group fault is computed and
	// applied to every member as one step, so a result computed before
	// another member's newer report cannot land after it.
	report  sync.Mutex
	mu      sync.Mutex
	group   map[string]string   // instance -> group
	members map[string][]string // group -> instances
	own     map[string]ownTrack // instance -> its own tracking result
}

type ownTrack struct {
	fault bool
	prio  uint8
}

func newGroups() *groups { return &groups{own: map[string]ownTrack{}} }

func (g *groups) set(gs []SyncGroup) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.group, g.members = map[string]string{}, map[string][]string{}
	for _, sg := range gs {
		g.members[sg.Name] = sg.Instances
		for _, in := range sg.Instances {
			g.group[in] = sg.Name
		}
	}
}

// peers are the other members of name's group.
func (g *groups) peers(name string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, m := range g.members[g.group[name]] {
		if m != name {
			out = append(out, m)
		}
	}
	return out
}

// follow is the daemon's Events subscriber: it hands a member's change to
// the other members. A member entering MASTER lifts the others' group
// hold, so that each preempts by its own election where it outranks the
// master; a member leaving MASTER for BACKUP makes the others hand over
// too (priority 0, make-before-break) and hold. Changes that were
// themselves following are not passed on again.
func (d *Daemon) follow(ctx context.Context, t Transition) {
	if t.Reason == vrrp.ReasonSyncGroup {
		return
	}
	var kind vrrp.EventKind
	switch {
	case t.To == vrrp.Master:
		kind = vrrp.EvResume
	case t.From == vrrp.Master && t.To == vrrp.Backup:
		kind = vrrp.EvGroupBackup
	default:
		return
	}
	for _, name := range d.groups.peers(t.Instance) {
		if i := d.instance(name); i != nil {
			if ctx.Err() != nil {
				return
			}
			i.post(ctlMsg{kind: kind})
		}
	}
}

// instance returns the running instance of that name, or nil. It takes
// its own lock, not d.mu, which a reload holds while it waits for
// instances (and their trackers, which call this) to stop.
func (d *Daemon) instance(name string) *Instance {
	d.nmu.Lock()
	defer d.nmu.Unlock()
	return d.byName[name]
}

func (d *Daemon) setNames(insts []*Instance) {
	m := make(map[string]*Instance, len(insts))
	for _, i := range insts {
		m[i.cfg.Name] = i
	}
	d.nmu.Lock()
	d.byName = m
	d.nmu.Unlock()
}

// tracked passes an instance's own tracking result on; within a sync
// group the fault is the group's: any member's fault faults every member,
// each at its own priority.
func (d *Daemon) tracked(inst *Instance, fault bool, prio uint8) {
	g := d.groups
	g.report.Lock()
	defer g.report.Unlock()
	g.mu.Lock()
	g.own[inst.cfg.Name] = ownTrack{fault, prio}
	members := g.members[g.group[inst.cfg.Name]]
	if len(members) == 0 {
		g.mu.Unlock()
		inst.Track(fault, prio)
		return
	}
	groupFault := false
	for _, m := range members {
		groupFault = groupFault || g.own[m].fault
	}
	g.mu.Unlock()
	for _, m := range members {
		i := d.instance(m)
		if i == nil {
			continue
		}
		p := i.cfg.Priority
		g.mu.Lock()
		if o, ok := g.own[m]; ok {
			p = o.prio
		}
		g.mu.Unlock()
		i.Track(groupFault, p)
	}
}
