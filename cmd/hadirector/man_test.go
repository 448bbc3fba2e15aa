package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// manDir holds the man pages, from this package's directory.
var manDir = filepath.Join("..", "..", "dist", "man")

// commandPaths lists every command as typed: "run", "ipvs list", ...
func commandPaths() [][]string {
	var out [][]string
	for _, c := range commands {
		if subs, ok := subcommands[c.name]; ok {
			for _, s := range subs {
				out = append(out, []string{c.name, s.name})
			}
			continue
		}
		out = append(out, []string{c.name})
	}
	return out
}

var helpFlag = regexp.MustCompile(`^  -([^\s=]+)`)

// flagsOf runs the command with -h and returns the flags its help lists,
// as the flag package prints them ("  -name type").
func flagsOf(t *testing.T, path []string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	dispatch(append(slices.Clone(path), "-h"), &stdout, &stderr)
	var flags []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if m := helpFlag.FindStringSubmatch(l); m != nil {
			flags = append(flags, m[1])
		}
	}
	sort.Strings(flags)
	return flags
}

var manFlag = regexp.MustCompile(`(?:^|[\s"])--?([A-Za-z][A-Za-z0-9-]*)`)

// manCommands reads hadirector(8): each .SS subsection of COMMANDS is a
// command, and the first line after each .TP in it names its flags.
func manCommands(t *testing.T, page string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(manDir, page))
	if err != nil {
		t.Fatal(err)
	}
	unescape := strings.NewReplacer(`\-`, "-", `\~`, " ", `\(em`, "--")
	out := map[string][]string{}
	section, cmd := "", ""
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, ".SH "):
			section, cmd = strings.Trim(l[4:], `"`), ""
		case section == "COMMANDS" && strings.HasPrefix(l, ".SS "):
			cmd = unescape.Replace(strings.Trim(l[4:], `"`))
			if _, dup := out[cmd]; dup {
				t.Errorf("%s: command %q documented twice", page, cmd)
			}
			out[cmd] = []string{}
		case cmd != "" && l == ".TP" && i+1 < len(lines):
			head := unescape.Replace(lines[i+1])
			_, head, _ = strings.Cut(head, " ") // the macro
			for _, m := range manFlag.FindAllStringSubmatch(head, -1) {
				out[cmd] = append(out[cmd], m[1])
			}
		}
	}
	for _, f := range out {
		sort.Strings(f)
	}
	return out
}

// TestManPageCommands fails when a command or a flag is added, renamed or
// removed without hadirector(8) following: every command's -h output is
// compared with its section of the page.
func TestManPageCommands(t *testing.T) {
	man := manCommands(t, "hadirector.8")
	seen := map[string]bool{}
	for _, path := range commandPaths() {
		name := strings.Join(path, " ")
		seen[name] = true
		doc, ok := man[name]
		if !ok {
			t.Errorf("hadirector(8) has no section (.SS) for the command %q", name)
			continue
		}
		code := flagsOf(t, path)
		for _, f := range code {
			if !slices.Contains(doc, f) {
				t.Errorf("hadirector(8): %q does not document its flag -%s", name, f)
			}
		}
		for _, f := range doc {
			if !slices.Contains(code, f) {
				t.Errorf("hadirector(8): %q documents -%s, which the command does not take (its flags: %q)", name, f, code)
			}
		}
	}
	for name := range man {
		if !seen[name] {
			t.Errorf("hadirector(8) documents %q, which is no command", name)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d commands found: %q", len(seen), commandPaths())
	}
}

// TestManPagesRender: both pages format without a warning.
func TestManPagesRender(t *testing.T) {
	groff, err := exec.LookPath("groff")
	if err != nil {
		if os.Getenv("HADIRECTOR_LAB") != "" {
			t.Fatalf("groff is missing (scripts/install-deps installs groff-base): %v", err)
		}
		t.Skipf("no groff: %v", err)
	}
	pages, _ := filepath.Glob(filepath.Join(manDir, "*.[0-9]"))
	if len(pages) < 2 {
		t.Fatalf("man pages in %s: %q", manDir, pages)
	}
	for _, p := range pages {
		out, err := exec.Command(groff, "-ww", "-z", "-man", p).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff -ww -z -man %s: %v\n%s", filepath.Base(p), err, out)
		}
	}
}
