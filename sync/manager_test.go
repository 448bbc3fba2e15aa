package sync

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// fakeKernel keeps threads in a map and records calls.
type fakeKernel struct {
	run   map[Role]Daemon
	calls []string
}

func (k *fakeKernel) Start(d Daemon) error {
	if _, ok := k.run[d.Role]; ok {
		return fmt.Errorf("exists")
	}
	k.run[d.Role] = d
	k.calls = append(k.calls, "start "+d.Role.String())
	return nil
}

func (k *fakeKernel) Stop(r Role) error {
	if _, ok := k.run[r]; !ok {
		return ErrNotRunning
	}
	delete(k.run, r)
	k.calls = append(k.calls, "stop "+r.String())
	return nil
}

func (k *fakeKernel) List() ([]Daemon, error) {
	var out []Daemon
	for _, r := range []Role{Master, Backup} {
		if d, ok := k.run[r]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func TestWanted(t *testing.T) {
	cases := []struct {
		mode           Mode
		state          VRRP
		master, backup bool
	}{
		{Both, VRRPMaster, true, true}, {Both, VRRPBackup, true, true}, {Both, VRRPStopped, false, false},
		{Follow, VRRPMaster, true, false}, {Follow, VRRPBackup, false, true}, {Follow, VRRPStopped, false, false},
	}
	for _, c := range cases {
		m, b := Wanted(c.mode, c.state)
		if m != c.master || b != c.backup {
			t.Errorf("%s in %s: %v %v, want %v %v", c.mode, c.state, m, b, c.master, c.backup)
		}
	}
}

func TestManagerApply(t *testing.T) {
	settings := Daemon{Interface: "eth0", SyncID: 7}
	cases := []struct {
		name   string
		mode   Mode
		before map[Role]Daemon
		states []VRRP
		calls  string
	}{
		{"both: start both once", Both, nil, []VRRP{VRRPBackup, VRRPMaster, VRRPBackup}, "start master,start backup"},
		{"follow: switch with the state", Follow, nil, []VRRP{VRRPBackup, VRRPMaster, VRRPBackup},
			"start backup,start master,stop backup,stop master,start backup"},
		{"stop both at INIT", Both, nil, []VRRP{VRRPMaster, VRRPStopped}, "start master,start backup,stop master,stop backup"},
		{"a thread with other settings is restarted", Both,
			map[Role]Daemon{Master: {Role: Master, Interface: "eth1", SyncID: 7}, Backup: {Role: Backup, Interface: "eth0", SyncID: 7, Port: 8848}},
			[]VRRP{VRRPMaster}, "stop master,start master"},
	}
	for _, c := range cases {
		k := &fakeKernel{run: map[Role]Daemon{}}
		for r, d := range c.before {
			k.run[r] = d
		}
		m := NewManager(k, settings, c.mode, discard())
		for _, s := range c.states {
			if err := m.Apply(s); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		if got := strings.Join(k.calls, ","); got != c.calls {
			t.Errorf("%s: calls %s, want %s", c.name, got, c.calls)
		}
	}
}

// fakeSource hands the hold prepared datagrams, then blocks until closed.
type fakeSource struct {
	ch     chan Datagram
	closed chan struct{}
}

func (s *fakeSource) Read() (Datagram, error) {
	select {
	case d := <-s.ch:
		return d, nil
	case <-s.closed:
		return Datagram{}, net.ErrClosed
	}
}

func (s *fakeSource) Close() error {
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	return nil
}

// TestManagerHold drives the hold with a fake clock: it releases "quiet"
// only once the quiet time has passed since the last new connection, and
// ignores another sync id.
func TestManagerHold(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var now time.Time // read and written only while the hold waits on us
	wakes := make(chan chan time.Time)
	clk := clock.Func{
		NowFunc: func() time.Time { return now },
		AfterFunc: func(time.Duration) <-chan time.Time {
			c := make(chan time.Time, 1)
			wakes <- c
			return c
		},
	}
	now = t0
	m := NewManager(&fakeKernel{run: map[Role]Daemon{}}, Daemon{Interface: "eth0", SyncID: 7}, Both, discard())
	updates := make(chan HoldStatus, 16)
	m.onHold = func(h HoldStatus) { updates <- h }
	src := &fakeSource{ch: make(chan Datagram), closed: make(chan struct{})}
	released := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Hold(context.Background(), src, 3*time.Second, time.Hour, clk, func(r string) { released <- r })
	}()
	<-updates // active
	wake := <-wakes
	c1 := Conn{Protocol: 6, Client: ap("198.51.100.7:1000"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:80")}

	now = t0.Add(time.Second)
	src.ch <- Datagram{Msg: Message{SyncID: 8, Conns: []Conn{c1}}} // another pair's: ignored
	wake = <-wakes
	now = t0.Add(2 * time.Second)
	src.ch <- Datagram{Msg: Message{SyncID: 7, Conns: []Conn{c1}}}
	if st := <-updates; !st.Active || st.Messages != 1 || st.Conns != 1 {
		t.Fatalf("hold status %+v: want active, 1 message, 1 connection (the other sync id ignored)", st)
	}
	wake = <-wakes
	now = t0.Add(4 * time.Second) // not yet quiet
	wake <- now
	wake = <-wakes
	select {
	case r := <-released:
		t.Fatalf("released %q before the quiet time", r)
	default:
	}
	now = t0.Add(5 * time.Second)
	wake <- now
	if r := <-released; r != "quiet" {
		t.Errorf("released %q, want quiet", r)
	}
	<-done
	if st := m.Status().Hold; st.Active || st.Reason != "quiet" || st.Conns != 1 || !st.Released.Equal(t0.Add(5*time.Second)) {
		t.Errorf("after release: %+v", st)
	}
}
