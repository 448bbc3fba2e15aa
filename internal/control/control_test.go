package control

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hadirector/hadirector/ipvs"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// serve runs h on a socket in a temporary directory until the test ends.
func serve(t *testing.T, h Handler) (path string, stop func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "c.sock")
	s, err := Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, h); close(done) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return path, stop
}

func TestServe(t *testing.T) {
	path, stop := serve(t, func(ctx context.Context, req Request, send func(any) error) error {
		switch req.Cmd {
		case "echo":
			for i := range 3 {
				if err := send(map[string]any{"i": i, "instance": req.Instance}); err != nil {
					return err
				}
			}
			return nil
		}
		return errors.New("unknown command " + req.Cmd)
	})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", fi.Mode().Perm())
	}
	c := Client{Path: path}
	var got []int
	err = c.call(context.Background(), Request{Cmd: "echo", Instance: "x"}, func(b json.RawMessage) error {
		var v struct {
			I        int
			Instance string
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		if v.Instance != "x" {
			t.Errorf("instance %q", v.Instance)
		}
		got = append(got, v.I)
		return nil
	})
	if err != nil || len(got) != 3 || got[2] != 2 {
		t.Fatalf("call = %v, replies %v", err, got)
	}
	if _, err := c.Status(context.Background(), ""); err == nil || err.Error() != "unknown command status" {
		t.Errorf("unknown command: err %v", err)
	}
	if _, err := Listen(path, nil); err == nil {
		t.Errorf("a second daemon could listen on a live socket")
	}
	stop()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket not removed after Serve: %v", err)
	}
}

// Each Client method sends its command, with its arguments, and decodes
// the reply; the JSON it keeps is the daemon's, byte for byte.
func TestClient(t *testing.T) {
	var mu sync.Mutex
	var reqs []Request
	path, _ := serve(t, func(ctx context.Context, req Request, send func(any) error) error {
		mu.Lock()
		reqs = append(reqs, req)
		mu.Unlock()
		switch req.Cmd {
		case CmdStatus:
			return send([]router.Status{{Name: req.Instance, State: vrrp.Master}})
		case CmdStepDown:
			send(StepDownReply{SteppingDown: 2, Bound: "3s"})
			send(router.StepDownOutcome{Instance: "vi1", Outcome: router.OutcomeHandedOver})
			return send(router.StepDownOutcome{Instance: "vi2", Outcome: router.OutcomeHandedOver})
		case CmdResume:
			return send(ResumeReply{Resumed: 3})
		case CmdVanish:
			return send(VanishReply{VanishedFor: req.Duration})
		case CmdReload:
			return send(ReloadReport{ReloadResult: router.ReloadResult{Kept: []string{"a"}}, Warnings: []string{"w"}})
		case CmdIPVSStatus:
			return send(ipvs.ManagerStatus{Services: 4})
		case CmdSyncStatus:
			return send(nil)
		case CmdWatch:
			send(WatchAck{Watching: "transitions"})
			send(router.Transition{Seq: 1, Instance: "a", To: vrrp.Master})
			return send(router.Transition{Seq: 2, Instance: "a", To: vrrp.Backup})
		}
		return errors.New("unknown")
	})
	ctx := context.Background()
	c := Client{Path: path}
	st, err := c.Status(ctx, "vi1")
	if err != nil || len(st.Value) != 1 || st.Value[0].Name != "vi1" || st.Value[0].State != vrrp.Master {
		t.Errorf("Status = %+v, %v", st.Value, err)
	}
	var began string
	var ended []string
	err = c.StepDown(ctx, "vi1", func(a Answer[StepDownReply]) error {
		if a.Value.SteppingDown != 2 {
			t.Errorf("StepDown began %+v", a.Value)
		}
		began = string(a.JSON)
		return nil
	}, func(a Answer[router.StepDownOutcome]) error { ended = append(ended, a.Value.Instance); return nil })
	if err != nil || began != `{"bound":"3s","stepping_down":2}` || len(ended) != 2 || ended[1] != "vi2" {
		t.Errorf("StepDown: began %s, ended %q, %v", began, ended, err)
	}
	rs, err := c.Resume(ctx, "")
	if err != nil || rs.Value.Resumed != 3 || string(rs.JSON) != `{"resumed":3}` {
		t.Errorf("Resume = %+v %s, %v", rs.Value, rs.JSON, err)
	}
	vn, err := c.Vanish(ctx, "vi1", 4*time.Second)
	if err != nil || vn.Value.VanishedFor != "4s" {
		t.Errorf("Vanish = %+v, %v", vn.Value, err)
	}
	rl, err := c.Reload(ctx)
	if err != nil || len(rl.Value.Kept) != 1 || len(rl.Value.Warnings) != 1 {
		t.Errorf("Reload = %+v, %v", rl.Value, err)
	}
	is, err := c.IPVSStatus(ctx)
	if err != nil || is.Value == nil || is.Value.Services != 4 {
		t.Errorf("IPVSStatus = %+v, %v", is.Value, err)
	}
	ss, err := c.SyncStatus(ctx)
	if err != nil || ss.Value != nil || string(ss.JSON) != "null" {
		t.Errorf("SyncStatus = %+v %s, %v; want nil, null", ss.Value, ss.JSON, err)
	}
	var seqs []uint64
	err = c.Watch(ctx, "a", func(a Answer[router.Transition]) error {
		seqs = append(seqs, a.Value.Seq)
		return nil
	})
	if err != nil || len(seqs) != 2 || seqs[0] != 1 {
		t.Errorf("Watch: transitions %v, %v; want 1 and 2 after the acknowledgement", seqs, err)
	}
	want := []Request{{Cmd: CmdStatus, Instance: "vi1"}, {Cmd: CmdStepDown, Instance: "vi1"}, {Cmd: CmdResume},
		{Cmd: CmdVanish, Instance: "vi1", Duration: "4s"}, {Cmd: CmdReload}, {Cmd: CmdIPVSStatus}, {Cmd: CmdSyncStatus},
		{Cmd: CmdWatch, Instance: "a"}}
	mu.Lock()
	defer mu.Unlock()
	if len(reqs) != len(want) {
		t.Fatalf("requests %+v, want %+v", reqs, want)
	}
	for i := range want {
		if reqs[i] != want[i] {
			t.Errorf("request %d: %+v, want %+v", i, reqs[i], want[i])
		}
	}
}
