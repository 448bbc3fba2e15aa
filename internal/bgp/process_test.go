package bgp

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeProgram makes this test binary the speaker program, recording into
// a file; it returns the program and what the processes were told.
func fakeProgram(t *testing.T) (string, func() []string) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(t.TempDir(), "told")
	t.Setenv(fakeEnv, rec)
	return exe, func() []string {
		b, _ := os.ReadFile(rec)
		return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
	}
}

// await polls cond; the bound only ends a hung test.
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("waited 20s for %s", what)
		}
	}
}

// gone reports whether no process has the pid (once reaped).
func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

// The director's side: a child that announces, withdraws and reports its
// peers; killed, it is restarted and told again what is announced;
// stopped, it ends.
func TestProcess(t *testing.T) {
	prog, told := fakeProgram(t)
	p, err := Start(prog, testCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	for _, v := range []netip.Addr{vip4, vip6} {
		if err := p.Announce(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Withdraw(vip6); err != nil {
		t.Fatal(err)
	}
	if err := p.Announce(refusedVIP); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("announce of a VIP the engine refuses: %v", err)
	}
	if ps := p.Peers(); len(ps) != 1 || !ps[0].Established() {
		t.Errorf("peers: %+v", ps)
	}
	first := p.Process()
	if first.PID == 0 || first.Restarts != 0 || first.Since.IsZero() {
		t.Fatalf("process status %+v", first)
	}

	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	await(t, "the restart", func() bool { return p.Process().Restarts == 1 })
	st := p.Process()
	if st.PID == first.PID || st.PID == 0 || !strings.Contains(st.LastExit, "signal: killed") {
		t.Errorf("after the restart: %+v", st)
	}
	want := []string{"start_65001", "announce_203.0.113.80", "announce_2001:db8::80", "withdraw_2001:db8::80",
		"start_65001", "announce_203.0.113.80"}
	if got := told(); !slices.Equal(got, want) {
		t.Errorf("the processes were told %q, want %q", got, want)
	}

	p.Stop()
	if got := told(); got[len(got)-1] != "stop" {
		t.Errorf("stopped: the process was told %q, want a stop last", got)
	}
	if !gone(st.PID) {
		t.Errorf("process %d still there after Stop", st.PID)
	}
	if err := p.Announce(vip4); err == nil {
		t.Error("announce after Stop: no error")
	}
}

// A start that fails returns the cause and leaves no process.
func TestProcessStartFails(t *testing.T) {
	prog, _ := fakeProgram(t)
	cfg := testCfg
	cfg.ASN = 0
	if _, err := Start(prog, cfg, nil); err == nil || !strings.Contains(err.Error(), "AS 0 refused") {
		t.Errorf("Start refused by the engine: %v", err)
	}
	if _, err := Start("/bin/false", testCfg, nil); err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("Start of a program that exits: %v", err)
	}
	if _, err := Start(filepath.Join(t.TempDir(), "none"), testCfg, nil); err == nil {
		t.Error("Start of no program: no error")
	}
}

func TestLocate(t *testing.T) {
	root := t.TempDir()
	exe := filepath.Join(root, "usr", "sbin", "hadirector")
	installed := filepath.Join(root, "usr", "lib", "hadirector", Program)
	beside := filepath.Join(root, "usr", "sbin", Program)
	write := func(p string, mode os.FileMode) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	write(exe, 0o755)
	if _, err := os.Stat(PackagePath); err == nil {
		t.Skipf("%s is installed on this machine: Locate would find it", PackagePath)
	}
	if _, err := Locate("", exe); err == nil || !strings.Contains(err.Error(), installed) || !strings.Contains(err.Error(), "-bgp-speaker") {
		t.Errorf("nothing installed: %v", err)
	}
	write(installed, 0o755)
	if got, err := Locate("", exe); got != installed || err != nil {
		t.Errorf("installed under lib: %q, %v", got, err)
	}
	write(beside, 0o644) // not executable: skipped
	if got, _ := Locate("", exe); got != installed {
		t.Errorf("a non-executable beside: %q", got)
	}
	os.Chmod(beside, 0o755)
	if got, _ := Locate("", exe); got != beside {
		t.Errorf("beside the binary: %q", got)
	}
	if got, err := Locate(installed, exe); got != installed || err != nil {
		t.Errorf("given: %q, %v", got, err)
	}
	if _, err := Locate(filepath.Join(root, "nope"), exe); err == nil {
		t.Error("a given path that does not exist: no error")
	}
}

// dead reports whether the process is gone or a zombie (a container's
// init may reap late).
func dead(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, after, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(after, "Z") || strings.HasPrefix(after, "X")
}

// The speaker process dies with the director even when it is hung (so
// that the end of its stdin cannot tell it): the parent-death signal.
func TestProcessDiesWithDirector(t *testing.T) {
	prog, told := fakeProgram(t)
	cmd := exec.Command(prog)
	cmd.Env = append(os.Environ(), directorEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	child, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("the director said %q (%v)", line, err)
	}
	defer syscall.Kill(child, syscall.SIGKILL) // if the test fails
	await(t, "the speaker process to hang", func() bool { return slices.Contains(told(), "announce_"+hangVIP.String()) })
	cmd.Process.Kill()
	cmd.Wait()
	await(t, "the hung speaker process to die with its director", func() bool { return dead(child) })
}
