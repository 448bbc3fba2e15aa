// Package deb holds the tests of hadirector's Debian package, which
// scripts/build-deb builds from the files of this directory and of dist/.
package deb

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
)

// TestDefaultConfig: the configuration the package installs is valid.
func TestDefaultConfig(t *testing.T) {
	c, err := conf.Load("hadirector.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Instances) != 1 || len(conf.Warnings(c)) != 0 {
		t.Errorf("%d instances, warnings %q", len(c.Instances), conf.Warnings(c))
	}
}

// TestMaintainerScripts: the scripts parse as POSIX sh.
func TestMaintainerScripts(t *testing.T) {
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if out, err := exec.Command("sh", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", s, err, out)
		}
	}
}

// TestPathFilter: dpkg's path options as Debian's slim images set them.
func TestPathFilter(t *testing.T) {
	excluded := pathFilter([]string{"# comment\nforce-unsafe-io\n", `path-exclude /usr/share/man/*
path-exclude=/usr/share/doc/*
path-include /usr/share/doc/*/copyright
`})
	for path, want := range map[string]bool{
		"/usr/share/man/man8/hadirector.8.gz":      true,
		"/usr/share/doc/hadirector/README.md.gz":   true,
		"/usr/share/doc/hadirector/copyright":      false,
		"/usr/sbin/hadirector":                     false,
		"/usr/share/bash-completion/completions/x": false,
	} {
		if got := excluded(path); got != want {
			t.Errorf("excluded(%s) = %v, want %v", path, got, want)
		}
	}
}

const unit = "hadirector.service"

// speaker is where the package installs the BGP speaker program.
const speaker = "/usr/lib/hadirector/hadirector-bgp"

// leftovers are the paths that must not exist once the package is purged,
// besides its own files: what the maintainer scripts and systemctl made.
var leftovers = []string{
	"/etc/hadirector",
	"/etc/systemd/system/" + unit,
	"/etc/systemd/system/multi-user.target.wants/" + unit,
	"/var/lib/systemd/deb-systemd-helper-enabled/" + unit + ".dsh-also",
	"/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/" + unit,
	"/var/lib/systemd/deb-systemd-helper-masked/" + unit,
}

// TestPackage builds the package, checks it with lintian, installs it with
// apt-get on this machine, checks what it installed, upgrades it over an
// operator's edits, removes and purges it, and checks that nothing is
// left. It purges the package at the end whatever happened.
func TestPackage(t *testing.T) {
	if os.Getenv("HADIRECTOR_LAB") == "" {
		t.Skip("installs a package on this machine: run as root with HADIRECTOR_LAB=1")
	}
	if os.Geteuid() != 0 {
		t.Fatal("HADIRECTOR_LAB=1 needs root")
	}
	for _, tool := range []string{"apt-get", "dpkg-deb", "lintian", "systemd-analyze", "deb-systemd-helper", "man", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (scripts/install-deps installs it): %v", tool, err)
		}
	}
	if status(t) != "" {
		t.Fatalf("a hadirector package is installed (%s): this test installs and purges its own; purge it first", status(t))
	}
	start := time.Now()
	step := func(what string) { t.Logf("%6.1fs %s", time.Since(start).Seconds(), what) }
	dir := t.TempDir()
	out := run(t, "../../scripts/build-deb", dir)
	step("built " + filepath.Base(strings.TrimSpace(out)))
	deb := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	files := packaged(t, deb)

	if out := run(t, "lintian", deb); strings.TrimSpace(out) != "" {
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "E:") || strings.HasPrefix(l, "W:") {
				t.Errorf("lintian: %s", l)
			}
		}
	}

	step("lintian")
	t.Cleanup(func() {
		if status(t) != "" {
			aptGet(t, "purge", "hadirector")
		}
	})
	aptGet(t, "install", deb)
	step("installed")
	skip := dpkgExcluded(t)
	for _, f := range files {
		if _, err := os.Lstat(f); err != nil && !skip(f) {
			t.Errorf("installed: %v", err)
		}
	}
	version := strings.TrimSpace(run(t, "dpkg-query", "-W", "-f=${Version}", "hadirector"))
	if got := run(t, "/usr/sbin/hadirector", "version"); got != "hadirector "+version+"\n" {
		t.Errorf("hadirector version = %q, want the package's %s", got, version)
	}
	// The default configuration at the default path.
	if got := run(t, "/usr/sbin/hadirector", "check"); !strings.Contains(got, "/etc/hadirector/hadirector.toml: ok, 1 instance(s)") {
		t.Errorf("hadirector check: %q", got)
	}
	// The BGP speaker program, where the director finds it.
	if got := run(t, speaker, "version"); got != "hadirector-bgp "+version+"\n" {
		t.Errorf("hadirector-bgp version = %q, want the package's %s", got, version)
	}
	if got := run(t, "/usr/sbin/hadirector", "check", "-c", "../../examples/hadirector-bgp.toml"); !strings.Contains(got, "bgp speaker program: "+speaker+"\n") {
		t.Errorf("hadirector check of a [bgp] file: %q, want it to find %s", got, speaker)
	}
	// Without a running systemd too: verify loads the unit from the file
	// and checks its settings and that its commands exist.
	if out, err := exec.Command("systemd-analyze", "verify", "/lib/systemd/system/"+unit).CombinedOutput(); err != nil || bytes.Contains(out, []byte("hadirector")) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, page := range [][]string{{"8", "hadirector"}, {"5", "hadirector.toml"}} {
		if skip("/usr/share/man/man" + page[0] + "/" + page[1] + "." + page[0] + ".gz") {
			continue // this machine's dpkg leaves man pages out
		}
		if got := run(t, "man", "-w", page[0], page[1]); !strings.HasPrefix(got, "/usr/share/man/man"+page[0]+"/") {
			t.Errorf("man -w %s %s: %q", page[0], page[1], got)
		}
	}
	completion := `source /usr/share/bash-completion/completions/hadirector
COMP_WORDS=(hadirector step-down -i ""); COMP_CWORD=3; _hadirector; echo "${COMPREPLY[*]}"`
	if !skip("/usr/share/bash-completion/completions/hadirector") {
		if got := run(t, "bash", "-c", completion); got != "vi1\n" {
			t.Errorf("completing step-down -i with the installed files: %q, want the default instance", got)
		}
	}
	if _, err := os.Lstat("/etc/systemd/system/multi-user.target.wants/" + unit); err == nil {
		t.Error("a fresh install enabled the unit: it has only a placeholder configuration")
	}
	if _, err := os.Stat(leftovers[3]); err != nil {
		t.Errorf("postinst recorded no state for purge to clean up: %v", err)
	}

	// The operator edits the configuration and enables the unit; an
	// upgrade keeps both.
	cfg := "/etc/hadirector/hadirector.toml"
	edited := append(readFile(t, cfg), "# edited by the operator\n"...)
	if err := os.WriteFile(cfg, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "systemctl", "enable", unit)
	aptGet(t, "install", repack(t, deb, version+"+1", dir))
	step("upgraded")
	if got := readFile(t, cfg); !bytes.Equal(got, edited) {
		t.Errorf("the upgrade changed the edited configuration:\n%s", got)
	}
	if got := run(t, "dpkg-query", "-W", "-f=${Version}", "hadirector"); got != version+"+1" {
		t.Errorf("after the upgrade, version %q", got)
	}
	if _, err := os.Lstat("/etc/systemd/system/multi-user.target.wants/" + unit); err != nil {
		t.Errorf("the upgrade disabled the unit: %v", err)
	}

	aptGet(t, "remove", "hadirector")
	step("removed")
	for _, bin := range []string{"/usr/sbin/hadirector", speaker} {
		if _, err := os.Stat(bin); err == nil {
			t.Errorf("remove left %s", bin)
		}
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Errorf("remove took the configuration: %v", err)
	}
	if dst, err := os.Readlink("/etc/systemd/system/" + unit); err != nil || dst != "/dev/null" {
		t.Errorf("remove did not mask the unit it left behind: %q, %v", dst, err)
	}
	aptGet(t, "purge", "hadirector")
	step("purged")
	if s := status(t); s != "" {
		t.Errorf("after purge, dpkg knows hadirector: %s", s)
	}
	for _, f := range append(files, leftovers...) {
		if _, err := os.Lstat(f); err == nil {
			t.Errorf("purge left %s", f)
		}
	}
}

// dpkgExcluded reports whether this machine's dpkg leaves a path out,
// by the path-exclude and path-include options of its configuration (as
// Debian's container images set to leave out man pages and documentation).
func dpkgExcluded(t *testing.T) func(path string) bool {
	var texts []string
	cfgs, _ := filepath.Glob("/etc/dpkg/dpkg.cfg.d/*")
	for _, cfg := range append([]string{"/etc/dpkg/dpkg.cfg"}, cfgs...) {
		if b, err := os.ReadFile(cfg); err == nil {
			texts = append(texts, string(b))
		}
	}
	return pathFilter(texts)
}

// pathFilter reads dpkg configuration texts: the last path-exclude or
// path-include option whose glob matches a path decides; * matches / too,
// as dpkg's fnmatch does; an option is "name value" or "name=value".
func pathFilter(texts []string) func(path string) bool {
	type rule struct {
		re      *regexp.Regexp
		exclude bool
	}
	var rules []rule
	for _, text := range texts {
		for _, l := range strings.Split(text, "\n") {
			k, glob, ok := strings.Cut(strings.TrimSpace(l), " ")
			if k2, g2, ok2 := strings.Cut(strings.TrimSpace(l), "="); ok2 && (!ok || len(k2) < len(k)) {
				k, glob, ok = k2, g2, true
			}
			if !ok || (k != "path-exclude" && k != "path-include") {
				continue
			}
			re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(strings.TrimSpace(glob))) + "$"
			rules = append(rules, rule{regexp.MustCompile(re), k == "path-exclude"})
		}
	}
	return func(path string) bool {
		out := false
		for _, r := range rules {
			if r.re.MatchString(path) {
				out = r.exclude
			}
		}
		return out
	}
}

// status is dpkg's status of the package, "" when dpkg does not know it.
func status(t *testing.T) string {
	out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "hadirector").Output()
	if err != nil || strings.HasSuffix(string(out), "not-installed") {
		return ""
	}
	return string(out)
}

func aptGet(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("apt-get", append([]string{"-y", "-q", "-o", "DPkg::Lock::Timeout=600",
		"-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"}, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// packaged lists the files and symlinks of the package, as installed.
func packaged(t *testing.T, deb string) []string {
	var files []string
	out := run(t, "dpkg-deb", "-c", deb)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || f[0][0] == 'd' {
			continue
		}
		files = append(files, strings.TrimPrefix(f[5], "."))
	}
	if len(files) < 10 {
		t.Fatalf("the package holds only %q", files)
	}
	return files
}

// repack makes the same package with another version: an upgrade.
func repack(t *testing.T, deb, version, dir string) string {
	tree := filepath.Join(dir, "repack")
	run(t, "dpkg-deb", "-R", deb, tree)
	control := filepath.Join(tree, "DEBIAN", "control")
	var lines []string
	for _, l := range strings.Split(string(readFile(t, control)), "\n") {
		if strings.HasPrefix(l, "Version: ") {
			l = "Version: " + version
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(control, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hadirector_upgrade.deb")
	run(t, "dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", tree, out) // fast: only installed
	return out
}
