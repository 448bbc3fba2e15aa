// Package control is hadirector's local control socket: a Unix socket,
// owner-only, over which the CLI (Client) asks a running daemon (Server)
// for its status or to step down. One JSON request per connection names
// one of the Cmd constants; the daemon answers with one or more JSON lines
// (a stream for CmdWatch).
package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultPath is where the daemon listens unless told otherwise.
const DefaultPath = "/run/hadirector/control.sock"

// Request is what a client sends.
type Request struct {
	Cmd      string `json:"cmd"`                // one of the Cmd constants
	Instance string `json:"instance,omitempty"` // empty: every instance
	Duration string `json:"duration,omitempty"` // vanish: how long (a Go duration)
}

// Reply is one line of an answer. Error is set on failure.
type Reply struct {
	Error string          `json:"error,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// Handler answers one request by calling send for each reply line until it
// returns; a streaming handler returns when ctx ends.
type Handler func(ctx context.Context, req Request, send func(any) error) error

// Server serves a Handler on a Unix socket.
type Server struct {
	ln   net.Listener
	path string
	wg   sync.WaitGroup
	log  *slog.Logger
}

// Listen creates the socket at path, owner-only (0600 in a 0700 directory
// it creates if missing), replacing a stale socket left by a crashed run.
func Listen(path string, log *slog.Logger) (*Server, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("control socket %s: another daemon is listening", path)
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	return &Server{ln: ln, path: path, log: log}, nil
}

// Serve answers connections until ctx ends, then removes the socket.
func (s *Server) Serve(ctx context.Context, h Handler) {
	go func() { <-ctx.Done(); s.ln.Close() }()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			break
		}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.serve(ctx, c, h) }()
	}
	s.wg.Wait()
	os.Remove(s.path)
}

func (s *Server) serve(ctx context.Context, c net.Conn, h Handler) {
	defer c.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var req Request
	if err := json.NewDecoder(limitReader(c)).Decode(&req); err != nil {
		writeReply(c, Reply{Error: "bad request: " + err.Error()})
		return
	}
	c.SetReadDeadline(time.Time{})
	// A client that goes away ends a stream.
	go func() {
		buf := make([]byte, 1)
		c.Read(buf)
		cancel()
	}()
	enc := json.NewEncoder(c)
	send := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return enc.Encode(Reply{Data: b})
	}
	if err := h(ctx, req, send); err != nil {
		writeReply(c, Reply{Error: err.Error()})
	}
}

// limitReader limits a request to 64 KiB.
func limitReader(c net.Conn) *bufio.Reader { return bufio.NewReaderSize(&limited{c, 64 << 10}, 4096) }

type limited struct {
	c net.Conn
	n int
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("request too long")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.c.Read(p)
	l.n -= n
	return n, err
}

func writeReply(c net.Conn, r Reply) { json.NewEncoder(c).Encode(r) }
