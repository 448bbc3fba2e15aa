package logw

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// blocked is a writer that blocks until released, as a full pipe does.
type blocked struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (b *blocked) Write(p []byte) (int, error) {
	<-b.release
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// TestNeverBlocks: with the writer stuck, every Write still returns at
// once; the excess is counted and reported when writing works again.
func TestNeverBlocks(t *testing.T) {
	out := &blocked{release: make(chan struct{})}
	w := New(out, 4, "<4>")
	for i := 0; i < 100; i++ { // would hang here if Write blocked
		w.Write([]byte("line\n"))
	}
	if d := w.Dropped(); d < 100-4-1 {
		t.Errorf("%d dropped, want at least 95 (queue 4, one being written)", d)
	}
	close(out.release)
	w.Close()
	got := out.buf.String()
	// The line being written when the writer stuck, if the queue's reader
	// took one before any was dropped, comes before the report.
	if rest := strings.TrimPrefix(got, "line\n"); !strings.HasPrefix(rest, "<4>hadirector: ") ||
		!strings.Contains(rest, "log lines were lost") {
		t.Errorf("no report of the lost lines in %q", got)
	}
	if n := strings.Count(got, "line\n"); n < 4 || n > 5 {
		t.Errorf("%d lines written, want the 4 or 5 that were queued", n)
	}
}

type failing struct{}

func (failing) Write(p []byte) (int, error) { return 0, errors.New("no space left on device") }

func TestFailuresCounted(t *testing.T) {
	w := New(failing{}, 8, "")
	for i := 0; i < 3; i++ {
		if n, err := w.Write([]byte("x\n")); n != 2 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	w.Close()
	if d := w.Dropped(); d < 3 {
		t.Errorf("%d lost, want at least 3", d)
	}
	if n, _ := w.Write([]byte("after close\n")); n != 12 {
		t.Errorf("Write after Close = %d", n)
	}
}
