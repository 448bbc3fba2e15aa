package guest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// IPVSModules are the modules an IPVS test guest loads: IPVS with every
// scheduler the config accepts that Debian's 6.1 kernel has (ip_vs_twos
// came with Linux 6.2), and the dummy and veth links that give the guest
// its real servers' subnets and namespaces.
var IPVSModules = []string{
	"ip_vs", "ip_vs_rr", "ip_vs_wrr", "ip_vs_lc", "ip_vs_wlc", "ip_vs_lblc", "ip_vs_lblcr",
	"ip_vs_dh", "ip_vs_sh", "ip_vs_sed", "ip_vs_nq", "ip_vs_fo", "ip_vs_ovf", "ip_vs_mh",
	"dummy", "veth",
}

// IPVSTools are the host programs a guest test uses to cross-check the
// kernel: ipvsadm and iproute2's ip (busybox's has no netns).
var IPVSTools = []string{"/usr/sbin/ipvsadm", "/usr/bin/ip"}

// InGuestEnv is set to 1 in the guest, where tests that need the guest's
// kernel run instead of skipping.
const InGuestEnv = "HADIRECTOR_IN_GUEST"

// GoTest builds the test binary of the package in pkgDir statically, runs it
// in a guest booted from img (its Script is replaced) with InGuestEnv=1 and
// the given test flags, and fails tb unless it passed. The package's
// testdata directory goes along, and the binary runs from its parent, as
// go test would run it. The console is logged.
func GoTest(tb testing.TB, pkgDir string, img Image, timeout time.Duration, testArgs ...string) Result {
	tb.Helper()
	img, err := WithGoTest(img, pkgDir, tb.TempDir(), testArgs...)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := Run(ctx, img, Options{})
	tb.Logf("guest console (%.1fs):\n%s", res.Elapsed.Seconds(), res.Text())
	if err != nil {
		tb.Fatalf("guest: %v", err)
	}
	if res.Exit != 0 {
		tb.Fatalf("the test binary exited %d in the guest", res.Exit)
	}
	return res
}

// WithGoTest returns img set up to run the test binary of the package in
// pkgDir, built statically into dir, with testArgs and InGuestEnv=1.
func WithGoTest(img Image, pkgDir, dir string, testArgs ...string) (Image, error) {
	bin := filepath.Join(dir, "pkg.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = pkgDir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return img, fmt.Errorf("building the test binary of %s: %v\n%s", pkgDir, err, out)
	}
	img.Files = append(img.Files, File{Path: "/work/pkg.test", Host: bin})
	if td := filepath.Join(pkgDir, "testdata"); isDir(td) {
		img.Files = append(img.Files, File{Path: "/work/testdata", Host: td})
	}
	quoted := make([]string, len(testArgs))
	for i, a := range testArgs {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	img.Script = InGuestEnv + "=1 ./pkg.test " + strings.Join(quoted, " ") + "\n"
	return img, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// StaticBinaries builds each package of pkgs (name -> package path, as go
// build takes it) statically into dir and returns them as Files at
// /work/NAME in the guest.
func StaticBinaries(dir string, pkgs map[string]string) ([]File, error) {
	var files []File
	for name, pkg := range pkgs {
		out := filepath.Join(dir, name)
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building a static %s: %v\n%s", name, err, msg)
		}
		files = append(files, File{Path: "/work/" + name, Host: out, Mode: 0o755})
	}
	return files, nil
}

// Binary builds the package pkg (as go build takes it), with the build
// tags if any, into dir and returns it as a File at /work/NAME with its
// shared libraries. It is not static: with the host's own cgo setting the
// build reuses what go build and go vet of the package already compiled,
// where a static build compiles a large dependency tree (GoBGP's) anew.
func Binary(dir, name, pkg string, tags ...string) (File, error) {
	out := filepath.Join(dir, name)
	args := []string{"build", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	build := exec.Command("go", append(args, pkg)...)
	if msg, err := build.CombinedOutput(); err != nil {
		return File{}, fmt.Errorf("building %s: %v\n%s", name, err, msg)
	}
	return File{Path: "/work/" + name, Host: out, Mode: 0o755, Libs: true}, nil
}
