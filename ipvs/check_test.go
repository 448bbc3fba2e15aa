package ipvs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// listen returns a TCP listener on 127.0.0.1 that accepts and closes
// connections until the test ends.
func listen(t *testing.T) (netip.AddrPort, func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	stop := func() { l.Close() }
	t.Cleanup(stop)
	return netip.MustParseAddrPort(l.Addr().String()), stop
}

// closedPort returns a 127.0.0.1 address where nothing listens.
func closedPort(t *testing.T) netip.AddrPort {
	t.Helper()
	a, stop := listen(t)
	stop()
	return a
}

func TestTCPCheck(t *testing.T) {
	open, _ := listen(t)
	ctx := context.Background()
	if err := (TCPCheck{Addr: open}).Check(ctx); err != nil {
		t.Errorf("open port: %v", err)
	}
	closed := closedPort(t)
	err := TCPCheck{Addr: closed}.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), closed.String()) {
		t.Errorf("closed port: error %v, want one naming %s", err, closed)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := (TCPCheck{Addr: open}).Check(done); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v", err)
	}
}

func digest(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func TestHTTPCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/ok":
			w.Write([]byte("hello\n"))
		case "/host":
			if r.Host != "www.example.com" {
				http.Error(w, "wrong host "+r.Host, http.StatusBadRequest)
				return
			}
			w.Write([]byte("vhost"))
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/agent":
			if r.Header.Get("Connection") != "close" {
				http.Error(w, "keep-alive", http.StatusBadRequest)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	addr := netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))

	tests := []struct {
		name    string
		check   HTTPCheck
		wantErr string
	}{
		{"root 200", HTTPCheck{Addr: addr}, ""},
		{"path 200", HTTPCheck{Addr: addr, Path: "/ok"}, ""},
		{"digest matches", HTTPCheck{Addr: addr, Path: "/ok", BodySHA256: digest("hello\n")}, ""},
		{"digest upper case", HTTPCheck{Addr: addr, Path: "/ok", BodySHA256: strings.ToUpper(digest("hello\n"))}, ""},
		{"digest differs", HTTPCheck{Addr: addr, Path: "/ok", BodySHA256: digest("bye\n")}, "body digest " + digest("hello\n")},
		{"404", HTTPCheck{Addr: addr, Path: "/missing"}, "status 404, want 200"},
		{"404 expected", HTTPCheck{Addr: addr, Path: "/missing", Status: 404}, ""},
		{"redirect not followed", HTTPCheck{Addr: addr, Path: "/redirect"}, "status 302"},
		{"redirect expected", HTTPCheck{Addr: addr, Path: "/redirect", Status: 302}, ""},
		{"host header", HTTPCheck{Addr: addr, Path: "/host", Host: "www.example.com", BodySHA256: digest("vhost")}, ""},
		{"wrong host", HTTPCheck{Addr: addr, Path: "/host"}, "status 400"},
		{"no keep-alive", HTTPCheck{Addr: addr, Path: "/agent"}, ""},
		{"nothing listening", HTTPCheck{Addr: closedPort(t)}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check.validate(); err != nil {
				t.Fatal(err)
			}
			err := tt.check.Check(context.Background())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestHTTPCheckValidate(t *testing.T) {
	a := netip.MustParseAddrPort("198.51.100.11:80")
	for _, c := range []HTTPCheck{
		{},
		{Addr: netip.AddrPortFrom(a.Addr(), 0)},
		{Addr: a, Path: "ok"},
		{Addr: a, Status: 42},
		{Addr: a, BodySHA256: digest("x")[:63]},
		{Addr: a, BodySHA256: strings.Repeat("zz", 32)},
	} {
		if err := c.validate(); err == nil {
			t.Errorf("%+v: valid", c)
		}
	}
}

func TestExecCheck(t *testing.T) {
	tests := []struct {
		name    string
		check   ExecCheck
		wantErr string
	}{
		{"true", ExecCheck{Path: "/bin/true"}, ""},
		{"false", ExecCheck{Path: "/bin/false"}, "exit status 1"},
		{"arguments, no shell", ExecCheck{Path: "/bin/sh", Args: []string{"-c", `test "$1" = "a b;c"`, "sh", "a b;c"}}, ""},
		{"output in error", ExecCheck{Path: "/bin/sh", Args: []string{"-c", "echo backend sick >&2; exit 3"}}, "exit status 3: backend sick"},
		{"missing program", ExecCheck{Path: "/nonexistent/check"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check.Check(context.Background())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestExecCheckTimeout(t *testing.T) {
	// The command and its child outlive the deadline: the check must fail
	// with the deadline, not wait for them.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := ExecCheck{Path: "/bin/sh", Args: []string{"-c", "sleep 60 & sleep 60"}}.Check(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}
}

func TestTailBuffer(t *testing.T) {
	var b tailBuffer
	b.Write([]byte(strings.Repeat("a", maxCheckOutput)))
	b.Write([]byte("end"))
	if s := b.String(); len(s) != maxCheckOutput || !strings.HasSuffix(s, "aend") {
		t.Errorf("kept %d bytes ending %q", len(s), s[len(s)-4:])
	}
}
