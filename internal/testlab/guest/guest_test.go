package guest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestModuleOrder(t *testing.T) {
	deps := modulesDep{}
	add := func(name, file string, ds ...string) {
		deps[name] = struct {
			file string
			deps []string
		}{file, ds}
	}
	add("ip_vs", "k/ip_vs.ko", "nf_conntrack", "nf_defrag_ipv6", "nf_defrag_ipv4", "libcrc32c")
	add("nf_conntrack", "k/nf_conntrack.ko", "nf_defrag_ipv6", "nf_defrag_ipv4", "libcrc32c")
	add("nf_defrag_ipv6", "k/nf_defrag_ipv6.ko")
	add("nf_defrag_ipv4", "k/nf_defrag_ipv4.ko")
	add("libcrc32c", "k/libcrc32c.ko")
	add("crc32c_generic", "k/crc32c_generic.ko")
	add("ip_vs_wlc", "k/ip_vs_wlc.ko", "ip_vs", "nf_conntrack", "nf_defrag_ipv6", "nf_defrag_ipv4", "libcrc32c")
	add("dummy", "k/dummy.ko")

	got, err := moduleOrder(deps, []string{"ip_vs_wlc", "dummy", "ip-vs"})
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, f := range got {
		if _, dup := pos[f]; dup {
			t.Errorf("%s twice in %v", f, got)
		}
		pos[f] = i
	}
	if len(got) != 8 {
		t.Errorf("got %d modules %v, want 8", len(got), got)
	}
	for name, d := range deps {
		for _, dep := range d.deps {
			if pos[deps[dep].file] > pos[d.file] {
				t.Errorf("%s loads after %s, which needs it: %v", dep, name, got)
			}
		}
	}
	if pos["k/crc32c_generic.ko"] > pos["k/libcrc32c.ko"] {
		t.Errorf("crc32c_generic must load before libcrc32c: %v", got)
	}
	if _, err := moduleOrder(deps, []string{"ip_vs_nonesuch"}); err == nil || !strings.Contains(err.Error(), "ip_vs_nonesuch") {
		t.Errorf("unknown module: err %v", err)
	}
}

// TestArchiveReadByCpio checks the newc writer against GNU cpio's reader.
func TestArchiveReadByCpio(t *testing.T) {
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("no cpio(1) to cross-check with")
	}
	a := newArchive()
	a.file("etc/a", 0o644, []byte("hello"))
	a.file("bin/x", 0o755, []byte("123456789")) // not a multiple of 4
	a.symlink("bin/sh", "/bin/x")
	a.dir("var/run/netns")
	var buf bytes.Buffer
	if err := a.writeTo(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len()%4 != 0 {
		t.Errorf("archive is %d bytes, not 4-aligned", buf.Len())
	}
	dir := t.TempDir()
	cmd := exec.Command(cpio, "-idm", "--quiet", "--no-absolute-filenames")
	cmd.Dir, cmd.Stdin = dir, &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio: %v: %s", err, out)
	}
	for p, want := range map[string]string{"etc/a": "hello", "bin/x": "123456789"} {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", p, got, err, want)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "bin/x")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("bin/x mode: %v, %v", st, err)
	}
	if l, err := os.Readlink(filepath.Join(dir, "bin/sh")); err != nil || l != "/bin/x" {
		t.Errorf("bin/sh link: %q, %v", l, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "var/run/netns")); err != nil || !st.IsDir() {
		t.Errorf("var/run/netns: %v, %v", st, err)
	}
}

func needGuest(t *testing.T) Kernel {
	t.Helper()
	if os.Getuid() != 0 || os.Getenv("HADIRECTOR_LAB") != "1" {
		t.Skip("guest test: run as root with HADIRECTOR_LAB=1 (see README)")
	}
	k, err := FindKernel("/")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestBootRunsScript boots the guest, programs a service with ipvsadm and
// checks that the script's output and exit status come back.
func TestBootRunsScript(t *testing.T) {
	k := needGuest(t)
	img := Image{
		Kernel:   k,
		Modules:  IPVSModules,
		Binaries: IPVSTools,
		Files:    []File{{Path: "/work/msg", Data: []byte("from the host")}},
		Script: `set -e
ip link add d0 type dummy
ip addr add 198.51.100.1/24 dev d0
ip link set d0 up
ipvsadm -A -t 192.0.2.10:80 -s wlc -p 600
ipvsadm -a -t 192.0.2.10:80 -r 198.51.100.20 -g -w 3
ipvsadm -Ln
ip netns add n1
ip netns list
cat msg; echo
exit 7
`,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, img, Options{})
	out := strings.ReplaceAll(string(res.Console), "\r\n", "\n")
	t.Logf("console (%.1fs):\n%s", res.Elapsed.Seconds(), out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Exit != 7 {
		t.Errorf("exit %d, want 7", res.Exit)
	}
	for _, want := range []string{
		"TCP  192.0.2.10:80 wlc persistent 600",
		"  -> 198.51.100.20:80             Route   3      0          0",
		"n1", "from the host",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if strings.Contains(out, "insmod") {
		t.Error("a module failed to load")
	}
}
