package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The breakdown of this test process: a Go executable, so its text, rodata
// and function table are partly resident, and so is some anonymous memory.
func TestPageBreakdownSelf(t *testing.T) {
	var b bytes.Buffer
	if err := pageBreakdown(&b, "self", os.Getpid()); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(b.String())
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "RSS" || f[1] != "self" {
		t.Fatalf("line %q", line)
	}
	got := map[string]int{}
	for _, kv := range f[2:] {
		k, v, _ := strings.Cut(kv, "=")
		got[k], _ = strconv.Atoi(v)
	}
	for _, k := range []string{"anon_kb", "bin_kb", "threads", "text_kb", "rodata_kb", "pclntab_kb"} {
		if got[k] <= 0 {
			t.Errorf("%s = %d in %q, want > 0", k, got[k], line)
		}
	}
	if sum := got["text_kb"] + got["rodata_kb"] + got["pclntab_kb"] + got["data_kb"] + got["other_kb"]; sum > got["bin_kb"]+got["anon_kb"] {
		t.Errorf("the sections' %d kB exceed the process's RSS in %q", sum, line)
	}
}

func TestSummarize(t *testing.T) {
	var b bytes.Buffer
	summarize(&b, "noise\nRSS a anon_kb=3 bin_kb=10\r\nRSS b anon_kb=7\nRSS a anon_kb=1 bin_kb=30\nRSS a anon_kb=2 bin_kb=20\n")
	want := "SUMMARY a anon_kb 1/2/3 bin_kb 10/20/30\nSUMMARY b anon_kb 7/7/7\n"
	if b.String() != want {
		t.Errorf("summarize:\n%s\nwant\n%s", b.String(), want)
	}
}
