package journal

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
)

// Priority is the syslog priority of a slog level: error 3, warning 4,
// notice 5 (above info, below warn), info 6, debug 7.
func Priority(l slog.Level) int {
	switch {
	case l >= slog.LevelError:
		return 3
	case l >= slog.LevelWarn:
		return 4
	case l > slog.LevelInfo:
		return 5
	case l >= slog.LevelInfo:
		return 6
	}
	return 7
}

// Handler prefixes every record an inner handler writes with "<N>", its
// priority, the form journald's stream reader (SyslogLevelPrefix=, on by
// default) takes off the line and stores as PRIORITY. The inner handler
// must write each record with one Write to the writer it was made with,
// as slog's text and JSON handlers do.
type Handler struct {
	inner slog.Handler
	out   *prefixer
}

// prefixer is the writer the inner handler writes to: Handle sets level
// and holds mu while the inner handler writes the record.
type prefixer struct {
	mu    sync.Mutex
	w     io.Writer
	level slog.Level
	buf   []byte
}

func (p *prefixer) Write(b []byte) (int, error) {
	p.buf = append(p.buf[:0], '<')
	p.buf = strconv.AppendInt(p.buf, int64(Priority(p.level)), 10)
	p.buf = append(p.buf, '>')
	p.buf = append(p.buf, b...)
	if _, err := p.w.Write(p.buf); err != nil {
		return 0, err
	}
	return len(b), nil
}

// NewHandler returns a Handler over w; inner builds the formatting handler
// (slog.NewTextHandler, slog.NewJSONHandler) on the writer it is given.
func NewHandler(w io.Writer, inner func(io.Writer) slog.Handler) *Handler {
	p := &prefixer{w: w}
	return &Handler{inner: inner(p), out: p}
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	h.out.level = r.Level
	return h.inner.Handle(ctx, r)
}

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(as), out: h.out}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), out: h.out}
}
