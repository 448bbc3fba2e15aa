package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the hadirector executable under test, built once with -race so
// that a data race in the daemon fails the test that provoked it.
var binary string

func labEnabled() bool { return os.Getuid() == 0 && os.Getenv("HADIRECTOR_LAB") == "1" }

func TestMain(m *testing.M) {
	if !labEnabled() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "hadirector-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "hadirector")
	build := exec.Command("go", "build", "-race", "-o", binary, "../cmd/hadirector")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hadirector:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func needLab(t *testing.T) {
	t.Helper()
	if !labEnabled() {
		t.Skip("namespace test: run as root with HADIRECTOR_LAB=1 (see README)")
	}
}
