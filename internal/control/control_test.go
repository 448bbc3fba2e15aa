package control

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCallServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.sock")
	s, err := Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Serve(ctx, func(ctx context.Context, req Request, send func(any) error) error {
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
		close(done)
	}()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", fi.Mode().Perm())
	}
	var got []int
	err = Call(context.Background(), path, Request{Cmd: "echo", Instance: "x"}, func(b json.RawMessage) error {
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
		t.Fatalf("Call = %v, replies %v", err, got)
	}
	err = Call(context.Background(), path, Request{Cmd: "nope"}, func(json.RawMessage) error { return nil })
	if err == nil || err.Error() != "unknown command nope" {
		t.Errorf("unknown command: err %v", err)
	}
	if _, err := Listen(path, nil); err == nil {
		t.Errorf("a second daemon could listen on a live socket")
	}
	cancel()
	<-done
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket not removed after Serve: %v", err)
	}
}
