package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// testOnly are the packages the shipping binary must not link: the test
// labs, the IPVS double and the end-to-end tests.
var testOnly = []string{"/internal/testlab", "/ipvstest", "/integration"}

// speakerOnly are the packages only the BGP speaker process links: GoBGP
// and what it brings (gRPC), and our engine around it. A director without
// [bgp] must not pay for them in memory.
var speakerOnly = []string{"github.com/osrg/gobgp", "google.golang.org/grpc", "/internal/bgp/gobgp"}

// deps lists the packages pkg links, as go list -deps does.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(goBin); err != nil {
		t.Skipf("no go command to list the dependencies: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	ds := strings.Fields(string(out))
	if len(ds) < 10 {
		t.Fatalf("go list -deps %s listed only %q", pkg, ds)
	}
	return ds
}

// linked returns the packages of ds that contain any of bad.
func linked(ds, bad []string) []string {
	var out []string
	for _, p := range ds {
		if slices.ContainsFunc(bad, func(b string) bool { return strings.Contains(p, b) }) {
			out = append(out, p)
		}
	}
	return out
}

// TestNoTestCodeLinked fails if hadirector depends, directly or not, on a
// package that only tests and benchmarks may import.
func TestNoTestCodeLinked(t *testing.T) {
	for _, p := range linked(deps(t, "github.com/hadirector/hadirector/cmd/hadirector"), testOnly) {
		t.Errorf("the hadirector binary links the test-only package %s", p)
	}
}

// TestNoBGPEngineLinked fails if hadirector links GoBGP: the speaker runs
// in its own process (hadirector-bgp), which does link it (the check's
// own check: the names above are GoBGP's).
func TestNoBGPEngineLinked(t *testing.T) {
	for _, p := range linked(deps(t, "github.com/hadirector/hadirector/cmd/hadirector"), speakerOnly) {
		t.Errorf("the hadirector binary links %s, which only the BGP speaker process may", p)
	}
	sp := linked(deps(t, "github.com/hadirector/hadirector/cmd/hadirector-bgp"), speakerOnly)
	for _, want := range speakerOnly {
		if !slices.ContainsFunc(sp, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("hadirector-bgp links no package named %q: the list is out of date (%q)", want, sp)
		}
	}
}
