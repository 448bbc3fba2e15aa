package ipvs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetSloppy(t *testing.T) {
	dir := t.TempDir()
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return string(b)
	}
	for _, n := range []string{"sloppy_tcp", "sloppy_sctp"} {
		os.WriteFile(filepath.Join(dir, n), []byte("0\n"), 0o600)
	}
	on, off := true, false
	if err := SetSloppy(dir, &on, nil); err != nil {
		t.Fatal(err)
	}
	if read("sloppy_tcp") != "1\n" || read("sloppy_sctp") != "0\n" {
		t.Errorf("tcp on, sctp untouched: %q %q", read("sloppy_tcp"), read("sloppy_sctp"))
	}
	if err := SetSloppy(dir, &off, &on); err != nil {
		t.Fatal(err)
	}
	if read("sloppy_tcp") != "0\n" || read("sloppy_sctp") != "1\n" {
		t.Errorf("tcp off, sctp on: %q %q", read("sloppy_tcp"), read("sloppy_sctp"))
	}
	// A kernel without IPVS has no such files: an error naming the setting.
	err := SetSloppy(filepath.Join(dir, "absent"), &on, nil)
	if err == nil || !strings.Contains(err.Error(), "sloppy_tcp") {
		t.Errorf("no IPVS: %v", err)
	}
}
