package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An address owner's preempt = false and preempt_delay are accepted but
// named as ignored, with their lines; other instances' are not.
func TestWarningsOwnerPreempt(t *testing.T) {
	text := `[[instance]]
name = "owner"
interface = "eth0"
vrid = 51
priority = 255
preempt = false
preempt_delay = "5s"
vips = ["192.0.2.100"]

[[instance]]
name = "other"
interface = "eth0"
vrid = 52
priority = 100
preempt = false
preempt_delay = "5s"
vips = ["192.0.2.101"]
`
	path := filepath.Join(t.TempDir(), "h.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("the file is valid: %v", err)
	}
	var got []string
	for _, w := range Warnings(c) {
		got = append(got, w.Error())
	}
	want := []string{
		path + ":6: instance[0].preempt: ignored: priority 255 owns the addresses and always preempts (RFC 5798 6.1)",
		path + ":7: instance[0].preempt_delay: ignored: priority 255 owns the addresses and preempts at once (RFC 5798 6.1)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c2, err := Parse("base.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if w := Warnings(c2); len(w) != 0 {
		t.Fatalf("warnings for a plain file: %v", w)
	}
}
