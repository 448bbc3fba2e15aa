package conf

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/BurntSushi/toml"
)

// largeConfig is a director of n instances, four interfaces and one VIP
// each: the shape whose start-up heap this package keeps small.
func largeConfig(n int) []byte {
	var b strings.Builder
	for k := range n {
		fmt.Fprintf(&b, "[[instance]]\nname = \"vi%d\"\ninterface = \"eth%d\"\nvrid = %d\npriority = 150\nversion = 3\nadvert_interval = \"100ms\"\nvips = [\"203.0.113.%d\"]\n\n",
			k, k%4, 1+k/4, 1+k/4)
	}
	return []byte(b.String())
}

func BenchmarkParseLarge(b *testing.B) {
	data := largeConfig(1000)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("large.toml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// peakLive approximates the largest live heap during f, above what was
// live before: the collector runs back to back (GOGC=1) and a sampler keeps
// the largest heap it marked live. The runtime's span and bitmap metadata
// grow with that peak and do not shrink.
func peakLive(f func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for !stop.Load() {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
		}
		close(done)
	}()
	f()
	runtime.GC() // a last mark with f's result still reachable
	stop.Store(true)
	<-done
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// BenchmarkParseLargePeak reports the peak live heap of Parse
// (peak-live-B/op) and what stays live in the Config it returns
// (kept-B/op).
func BenchmarkParseLargePeak(b *testing.B) {
	data := largeConfig(1000)
	var peak, kept uint64
	for b.Loop() {
		var c *Config
		peak += peakLive(func() {
			var err error
			if c, err = Parse("large.toml", data); err != nil {
				b.Fatal(err)
			}
		})
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		runtime.GC()
		metrics.Read(s)
		with := s[0].Value.Uint64()
		runtime.KeepAlive(c)
		c = nil
		runtime.GC()
		metrics.Read(s)
		kept += with - s[0].Value.Uint64()
	}
	b.ReportMetric(float64(peak)/float64(b.N), "peak-live-B/op")
	b.ReportMetric(float64(kept)/float64(b.N), "kept-B/op")
}

// A valid file is never scanned for the lines of its keys: only a problem
// needs a line, and at 1000 instances the scan allocates 1.2 MB.
func TestValidFileScansNoLines(t *testing.T) {
	example, err := os.ReadFile("../examples/hadirector.toml")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"large": largeConfig(100), "example": example} {
		before := lineScans.Load()
		if _, err := Parse(name+".toml", data); err != nil {
			t.Fatal(err)
		}
		if n := lineScans.Load() - before; n != 0 {
			t.Errorf("%s: a valid file was scanned for lines %d times", name, n)
		}
	}
	// The counter counts: problems scan the file, once for all of them.
	before := lineScans.Load()
	text := strings.Replace(base, "vrid = 51", "vrid = 0", 1) + "bogus = 1\nprio = 3\n"
	if _, err := Parse("t.toml", []byte(text)); err == nil {
		t.Fatal("no error")
	}
	if n := lineScans.Load() - before; n != 1 {
		t.Errorf("three problems scanned the file %d times, want 1", n)
	}
}

// allKnown, on which unknownKeys skips Undecoded, holds only when every key
// is the tag of a field of the raw types.
func TestAllKnown(t *testing.T) {
	example, err := os.ReadFile("../examples/hadirector.toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, text string
		want       bool
	}{
		{"base", base, true},
		{"example", string(example), true},
		{"dotted and inline", base + "garp.count = 3\ntrack_interface = [{interface = \"eth1\"}]\n", true},
		{"unknown", base + "prio = 3\n", false},
		{"unknown in a table", base + "[instance.garp]\nburst = 3\n", false},
		// The decoder takes a key that matches a field regardless of
		// case: Undecoded has the last word on it.
		{"by case", base + "Priority = 3\n", false},
	} {
		var raw rawFile
		md, err := toml.Decode(c.text, &raw)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := allKnown(md); got != c.want {
			t.Errorf("%s: allKnown %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := Parse("t.toml", []byte(base+"Priority = 3\n")); err != nil {
		t.Errorf("a key matched regardless of case is not unknown: %v", err)
	}
}
