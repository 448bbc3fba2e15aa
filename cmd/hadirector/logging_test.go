package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLoggerJournal: the run command's logger prefixes priorities only
// when its stderr is the journal, in both formats.
func TestLoggerJournal(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		for _, journaled := range []bool{false, true} {
			var buf bytes.Buffer
			lf := logFlags{format: format}
			log, err := lf.logger(&buf, "debug", journaled)
			if err != nil {
				t.Fatal(err)
			}
			log.Warn("w")
			log.Debug("d")
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != 2 {
				t.Fatalf("%s: %d lines: %q", format, len(lines), buf.String())
			}
			if got := strings.HasPrefix(lines[0], "<4>") && strings.HasPrefix(lines[1], "<7>"); got != journaled {
				t.Errorf("%s, journal %v: lines %q", format, journaled, lines)
			}
			if !journaled && (strings.HasPrefix(lines[0], "<") || strings.HasPrefix(lines[1], "<")) {
				t.Errorf("%s: a prefix without the journal: %q", format, lines)
			}
		}
	}
}
