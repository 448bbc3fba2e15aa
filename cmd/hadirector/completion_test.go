package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The test binary runs as hadirector when the bash completion calls it.
func TestMain(m *testing.M) {
	if os.Getenv("HADIRECTOR_TEST_AS_MAIN") == "1" {
		os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var completionScript = filepath.Join("..", "..", "dist", "bash-completion", "hadirector")

// completer runs the completion function in bash, as bash does on TAB.
type completer struct {
	t    *testing.T
	bin  string // a hadirector that is this test binary
	conf string // the default configuration file the script reads
}

func newCompleter(t *testing.T) *completer {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skipf("no bash: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hadirector")
	wrapper := fmt.Sprintf("#!/bin/sh\nHADIRECTOR_TEST_AS_MAIN=1 exec %q \"$@\"\n", self)
	if err := os.WriteFile(bin, []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "default.toml")
	os.WriteFile(conf, []byte(`[global]
log_level = "info"   # name = "not-an-instance"
[[instance]]
name = "web"   # the first
interface = "eth0"
  [instance.garp]
  count = 5
  [[instance.unicast_peer]]
  address = "192.0.2.9"
[[instance]]
  name='dns'
[[sync_group]]
name = "group"
`), 0o644)
	return &completer{t: t, bin: bin, conf: conf}
}

// complete returns the completions of the last word of words (the words
// after the command name), sorted.
func (c *completer) complete(words ...string) []string {
	c.t.Helper()
	script := `source "$1"; _hadirector_default_conf=$2; shift 2
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hadirector
printf '%s\n' "${COMPREPLY[@]}"`
	args := append([]string{"-c", script, "bash", completionScript, c.conf, c.bin}, words...)
	out, err := exec.Command("bash", args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("completing %q: %v\n%s", words, err, out)
	}
	got := strings.Fields(string(out))
	sort.Strings(got)
	return got
}

func (c *completer) want(want []string, words ...string) {
	c.t.Helper()
	sort.Strings(want)
	if got := c.complete(words...); !slices.Equal(got, want) {
		c.t.Errorf("completing %q: %q, want %q", words, got, want)
	}
}

// TestCompletionCommandsAndFlags: the completion offers every command,
// every subcommand of a group, and every flag of each, as the code has
// them (one dash for a letter, two for a word).
func TestCompletionCommandsAndFlags(t *testing.T) {
	c := newCompleter(t)
	var names []string
	for _, cmd := range commands {
		names = append(names, cmd.name)
	}
	c.want(names, "")
	c.want([]string{"status", "step-down"}, "st")
	for group, subs := range subcommands {
		var want []string
		for _, s := range subs {
			want = append(want, s.name)
		}
		c.want(want, group, "")
	}
	for _, path := range commandPaths() {
		var want []string
		for _, f := range flagsOf(t, path) {
			if len(f) == 1 {
				want = append(want, "-"+f)
			} else {
				want = append(want, "--"+f)
			}
		}
		c.want(want, append(slices.Clone(path), "-")...)
	}
}

// TestCompletionValues: instance names from the default file or the one
// -c names, interfaces where -i is one, the fixed values of the logging
// flags.
func TestCompletionValues(t *testing.T) {
	c := newCompleter(t)
	for _, cmd := range []string{"status", "step-down", "resume", "drill"} {
		c.want([]string{"web", "dns"}, cmd, "-i", "")
	}
	c.want([]string{"web"}, "drill", "--planned", "-i", "w")
	other := filepath.Join(t.TempDir(), "other.toml")
	os.WriteFile(other, []byte("[[instance]]\nname = \"db\"\n"), 0o644)
	c.want([]string{"db"}, "status", "-c", other, "-i", "")
	c.want([]string{"debug", "info", "warn", "error"}, "run", "--log-level", "")
	c.want([]string{"json"}, "run", "-c", c.conf, "-log-format", "j")
	c.want([]string{"lo"}, "garp", "-i", "l")
	c.want([]string{"lo"}, "sync", "watch", "-i", "l")
	c.want(nil, "garp", "-c", "") // a count
	c.want([]string{c.conf}, "run", "-c", strings.TrimSuffix(c.conf, ".toml"))
}
