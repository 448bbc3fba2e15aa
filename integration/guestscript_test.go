package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

// staticBinaries builds each package statically (CGO off) and returns
// guest files that put them in /work under their names.
func staticBinaries(t *testing.T, pkgs map[string]string) []guest.File {
	t.Helper()
	files, err := guest.StaticBinaries(t.TempDir(), pkgs)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// runGuestScript boots the IPVS guest (plus extra modules) with files and
// the script in testdata/name, logs the console, and fails unless the
// script exited 0 having printed marker. It returns the console.
func runGuestScript(t *testing.T, name, marker string, extraModules []string, files []guest.File) string {
	t.Helper()
	return runGuest(t, name, marker, extraModules, nil, files)
}

// runGuest is runGuestScript with more host programs (and the libraries
// ldd lists for them) copied into the guest.
func runGuest(t *testing.T, name, marker string, extraModules, extraBinaries []string, files []guest.File) string {
	t.Helper()
	k, err := guest.FindKernel("/")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	img := guest.Image{Kernel: k, Modules: append(append([]string{}, guest.IPVSModules...), extraModules...),
		Binaries: append(append([]string{}, guest.IPVSTools...), extraBinaries...), Files: files, Script: string(script)}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res, err := guest.Run(ctx, img, guest.Options{})
	t.Logf("guest console (%.1fs):\n%s", res.Elapsed.Seconds(), res.Text())
	if err != nil {
		t.Fatalf("guest: %v", err)
	}
	if res.Exit != 0 || !strings.Contains(res.Text(), marker) {
		t.Fatalf("%s exited %d in the guest", name, res.Exit)
	}
	return res.Text()
}
