package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testOnly are the packages the shipping binary must not link: the test
// labs, the IPVS double and the end-to-end tests.
var testOnly = []string{"/internal/testlab", "/ipvstest", "/integration"}

// TestNoTestCodeLinked fails if hadirector depends, directly or not, on a
// package that only tests and benchmarks may import.
func TestNoTestCodeLinked(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goBin); err != nil {
		t.Skipf("no go command to list the dependencies: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}",
		"github.com/hadirector/hadirector/cmd/hadirector").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed only %q", deps)
	}
	for _, p := range deps {
		for _, bad := range testOnly {
			if strings.Contains(p, bad) {
				t.Errorf("the hadirector binary links the test-only package %s", p)
			}
		}
	}
}
