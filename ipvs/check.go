package ipvs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Checker probes a real server once. It returns nil if the server is
// healthy; it must give up when ctx is done.
type Checker interface {
	Check(ctx context.Context) error
}

// HealthCheck says how and how often a real server is checked.
type HealthCheck struct {
	Checker Checker
	Policy  Policy
}

func (h *HealthCheck) validate() error {
	if h.Checker == nil {
		return errors.New("health check without a checker")
	}
	if v, ok := h.Checker.(interface{ validate() error }); ok {
		if err := v.validate(); err != nil {
			return err
		}
	}
	return h.Policy.validate()
}

// TCPCheck succeeds if a TCP connection to Addr is accepted.
type TCPCheck struct {
	Addr netip.AddrPort
}

func (c TCPCheck) validate() error {
	if !c.Addr.IsValid() || c.Addr.Port() == 0 {
		return fmt.Errorf("tcp check: address %v has no port", c.Addr)
	}
	return nil
}

// HTTPCheck succeeds if GET http://Addr/Path answers with status Status
// (200 if 0) and, when BodySHA256 is set, a body whose SHA-256 digest is that
// hexadecimal string. Each check uses a new connection, sends Host (Addr if
// empty), follows no redirect and ignores proxy settings.
type HTTPCheck struct {
	Addr       netip.AddrPort
	Path       string // "/" if empty
	Host       string
	Status     int
	BodySHA256 string
}

// maxCheckBody bounds the body an HTTPCheck reads.
const maxCheckBody = 16 << 20

var checkClient = &http.Client{
	Transport: &http.Transport{
		Proxy:              nil,
		DisableKeepAlives:  true,
		DisableCompression: true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (c HTTPCheck) validate() error {
	if !c.Addr.IsValid() || c.Addr.Port() == 0 {
		return fmt.Errorf("http check: address %v has no port", c.Addr)
	}
	if c.Path != "" && !strings.HasPrefix(c.Path, "/") {
		return fmt.Errorf("http check: path %q does not start with /", c.Path)
	}
	if c.Status != 0 && (c.Status < 100 || c.Status > 999) {
		return fmt.Errorf("http check: status %d", c.Status)
	}
	if c.BodySHA256 != "" {
		if b, err := hex.DecodeString(c.BodySHA256); err != nil || len(b) != sha256.Size {
			return fmt.Errorf("http check: body digest %q is not 64 hexadecimal digits", c.BodySHA256)
		}
	}
	return nil
}

// Check sends the request and compares the answer.
func (c HTTPCheck) Check(ctx context.Context) error {
	path := c.Path
	if path == "" {
		path = "/"
	}
	url := "http://" + c.Addr.String() + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("http check %s: %w", url, err)
	}
	if c.Host != "" {
		req.Host = c.Host
	}
	req.Header.Set("User-Agent", "hadirector-check")
	resp, err := checkClient.Do(req)
	if err != nil {
		return fmt.Errorf("http check: %w", err)
	}
	defer resp.Body.Close()
	want := c.Status
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		return fmt.Errorf("http check %s: status %d, want %d", url, resp.StatusCode, want)
	}
	if c.BodySHA256 == "" {
		return nil
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, maxCheckBody+1))
	if err != nil {
		return fmt.Errorf("http check %s: reading body: %w", url, err)
	}
	if n > maxCheckBody {
		return fmt.Errorf("http check %s: body larger than %d bytes", url, maxCheckBody)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, c.BodySHA256) {
		return fmt.Errorf("http check %s: body digest %s, want %s", url, got, strings.ToLower(c.BodySHA256))
	}
	return nil
}

// ExecCheck succeeds if the command exits with status 0. Path is run
// directly, without a shell, with Args as its arguments (not including the
// program name). When the check's context ends, the command's whole process
// group is killed.
type ExecCheck struct {
	Path string
	Args []string
}

func (c ExecCheck) validate() error {
	if c.Path == "" {
		return errors.New("exec check: no command")
	}
	return nil
}

// maxCheckOutput bounds the output kept for an ExecCheck's error.
const maxCheckOutput = 512

// Check runs the command and waits for it.
func (c ExecCheck) Check(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("exec check %s: %w", c.Path, ctx.Err())
	}
	if err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return fmt.Errorf("exec check %s: %w: %s", c.Path, err, msg)
		}
		return fmt.Errorf("exec check %s: %w", c.Path, err)
	}
	return nil
}

// tailBuffer keeps the last maxCheckOutput bytes written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > maxCheckOutput {
		t.b = append([]byte(nil), t.b[len(t.b)-maxCheckOutput:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(bytes.ToValidUTF8(t.b, nil)) }
