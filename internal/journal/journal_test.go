package journal

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func devIno(t *testing.T, f *os.File) string {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

func TestIsStream(t *testing.T) {
	dir := t.TempDir()
	open := func(name string) *os.File {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	stream, other := open("stream"), open("other")
	env := devIno(t, stream)
	dev, ino, _ := strings.Cut(env, ":")
	for _, c := range []struct {
		env  string
		f    *os.File
		want bool
	}{
		{env, stream, true},
		{env, other, false}, // inherited variable, stderr redirected elsewhere
		{"", stream, false},
		{env, nil, false},
		{dev + ":" + ino + "x", stream, false},
		{dev + ":" + ino + ":1", stream, false},
		{dev, stream, false},
		{"0:" + ino, stream, false},
		{dev + ":0", stream, false},
		{"-1:" + ino, stream, false},
	} {
		if got := IsStream(c.env, c.f); got != c.want {
			name := "nil"
			if c.f != nil {
				name = filepath.Base(c.f.Name())
			}
			t.Errorf("IsStream(%q, %s) = %v, want %v", c.env, name, got, c.want)
		}
	}
}

func TestPriority(t *testing.T) {
	for _, c := range []struct {
		l    slog.Level
		want int
	}{
		{slog.LevelDebug - 4, 7}, {slog.LevelDebug, 7}, {slog.LevelInfo - 1, 7},
		{slog.LevelInfo, 6}, {slog.LevelInfo + 1, 5}, {slog.LevelWarn - 1, 5},
		{slog.LevelWarn, 4}, {slog.LevelError - 1, 4}, {slog.LevelError, 3}, {slog.LevelError + 4, 3},
	} {
		if got := Priority(c.l); got != c.want {
			t.Errorf("Priority(%v) = %d, want %d", c.l, got, c.want)
		}
	}
}

func logAll(log *slog.Logger) {
	log.Debug("d", "k", 1)
	log.Info("i", "multi", "line\nvalue")
	log.Warn("w")
	log.Error("e")
	log.With("inst", "web").WithGroup("g").Warn("grouped", "x", 2)
}

// TestFormat: every record is one line with its priority prefix, and
// after the prefix the line is exactly what the handler alone writes.
func TestFormat(t *testing.T) {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{} // comparable output
		}
		return a
	}}
	for _, f := range []struct {
		name  string
		inner func(io.Writer) slog.Handler
	}{
		{"text", func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, opts) }},
		{"json", func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, opts) }},
	} {
		var got, plain bytes.Buffer
		logAll(slog.New(NewHandler(&got, f.inner)))
		logAll(slog.New(f.inner(&plain)))
		gl := strings.SplitAfter(got.String(), "\n")
		pl := strings.SplitAfter(plain.String(), "\n")
		prios := []string{"<7>", "<6>", "<4>", "<3>", "<4>"}
		if len(gl) != len(prios)+1 || len(pl) != len(gl) {
			t.Fatalf("%s: %d lines, plain %d, want %d:\n%s", f.name, len(gl)-1, len(pl)-1, len(prios), got.String())
		}
		for i, p := range prios {
			if gl[i] != p+pl[i] {
				t.Errorf("%s: line %d = %q, want %q", f.name, i, gl[i], p+pl[i])
			}
		}
	}
}

// TestConcurrent: records logged at once from many goroutines, through
// handlers derived with With, each keep their own prefix.
func TestConcurrent(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(&buf, func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) }))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := log.With("g", g)
			for range 50 {
				l.Warn("warn")
				l.Error("error")
				l.Info("info")
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 8*50*3 {
		t.Fatalf("%d lines, want %d", len(lines), 8*50*3)
	}
	want := map[string]string{"msg=warn": "<4>", "msg=error": "<3>", "msg=info": "<6>"}
	for _, l := range lines {
		ok := false
		for msg, p := range want {
			if strings.Contains(l, msg) {
				ok = strings.HasPrefix(l, p) && strings.Count(l, "<") == 1
			}
		}
		if !ok {
			t.Fatalf("line %q lacks its one priority prefix", l)
		}
	}
}

func TestIs(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stream"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("JOURNAL_STREAM", devIno(t, f))
	if !Is(f) {
		t.Error("the file JOURNAL_STREAM names is not taken for the journal")
	}
	if Is(os.Stdout) || Is(&bytes.Buffer{}) {
		t.Error("another stream is taken for the journal")
	}
}
