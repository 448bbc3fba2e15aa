package integration

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

// TestSystemdNotify runs the daemon as systemd's Type=notify would: with
// $NOTIFY_SOCKET set, it must say READY=1 once started and STOPPING=1 when
// SIGTERM arrives, before it exits 0.
func TestSystemdNotify(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	sockPath := filepath.Join(p.dir, "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sockPath, Net: "unixgram"})
	must(t, err)
	defer ln.Close()
	cfg := filepath.Join(p.dir, "dA.toml")
	must(t, os.WriteFile(cfg, []byte(instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true}.toml()), 0o644))
	a, err := p.lab.Start("dA", nil, "env", "NOTIFY_SOCKET="+sockPath, binary, "run", "-c", cfg, "-s", cfg+".sock", "--log-format", "json")
	must(t, err)
	read := func() string {
		t.Helper()
		must(t, ln.SetReadDeadline(time.Now().Add(waitFor))) // bounds a hung test only
		b := make([]byte, 256)
		n, err := ln.Read(b)
		must(t, err)
		return string(b[:n])
	}
	if got := read(); got != "READY=1" {
		t.Fatalf("first notice %q, want READY=1", got)
	}
	// READY comes after the start-up log line: the sockets are open.
	if _, _, err := a.WaitFor(0, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "started" }); err != nil {
		t.Fatal(err)
	}
	must(t, a.Signal(syscall.SIGTERM))
	if got := read(); got != "STOPPING=1" {
		t.Fatalf("notice after SIGTERM %q, want STOPPING=1", got)
	}
	waitExit(t, a)
}
