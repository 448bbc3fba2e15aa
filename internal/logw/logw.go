// Package logw is the daemon's log writer that never blocks: a full disk,
// a pipe nobody reads or a closed stderr must not stop a state machine
// that logs a transition. Lines go through a bounded queue to the real
// writer; when the queue is full they are dropped and counted, and the
// count is reported once writing works again.
package logw

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// Writer queues each Write (one log record) for a goroutine that writes
// it to the underlying writer.
type Writer struct {
	out     io.Writer
	lost    string        // starts the line reporting lost lines
	dropped atomic.Uint64 // lines dropped because the queue was full
	failed  atomic.Uint64 // lines the underlying writer refused
	done    chan struct{}

	mu     sync.RWMutex // Write holds it shared; Close exclusively, once
	queue  chan []byte
	closed bool
}

// New starts a Writer over out holding at most depth lines. lostPrefix
// starts the line that reports lost lines: "<4>" (warning) where out is
// the journal and the log lines carry their priority, else "".
func New(out io.Writer, depth int, lostPrefix string) *Writer {
	w := &Writer{out: out, lost: lostPrefix, queue: make(chan []byte, depth), done: make(chan struct{})}
	go w.run(w.queue)
	return w
}

// Write queues p and never blocks; it always reports success, so that a
// logger never sees an error it could only log.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.dropped.Add(1)
		return len(p), nil
	}
	select {
	case w.queue <- append([]byte(nil), p...):
	default:
		w.dropped.Add(1)
	}
	return len(p), nil
}

func (w *Writer) run(queue <-chan []byte) {
	defer close(w.done)
	var reported uint64
	for p := range queue {
		if d := w.dropped.Load() + w.failed.Load(); d > reported {
			if _, err := fmt.Fprintf(w.out, "%shadirector: %d log lines were lost (the log was not writable or too slow)\n", w.lost, d-reported); err == nil {
				reported = d
			}
		}
		if _, err := w.out.Write(p); err != nil {
			w.failed.Add(1)
		}
	}
}

// Dropped is how many lines were lost so far.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() + w.failed.Load() }

// Close writes what is queued and stops. Writes after Close are dropped.
// It waits for the underlying writer; call it at exit.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}
