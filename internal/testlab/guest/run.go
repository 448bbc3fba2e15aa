package guest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Result is what a guest run left.
type Result struct {
	Exit    int           // the script's exit status
	Console []byte        // everything the guest printed on its serial console
	Elapsed time.Duration // from starting qemu to its exit
}

// Text is the console with the serial line's CRLF line ends made LF.
func (r Result) Text() string { return strings.ReplaceAll(string(r.Console), "\r\n", "\n") }

// Options tune a run.
type Options struct {
	Memory  string    // qemu -m, default 1024M
	CPUs    int       // qemu -smp, default 1
	Console io.Writer // optional: a live copy of the console
}

var exitLine = regexp.MustCompile(regexp.QuoteMeta(ExitMarker) + `(\d+)`)

// Run builds img, boots it under qemu with TCG and waits until the guest
// powers off or ctx ends; in the latter case qemu, which this process
// started, is killed by its PID. It fails if the guest ended without
// printing the script's exit status.
func Run(ctx context.Context, img Image, opts Options) (Result, error) {
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return Result{}, fmt.Errorf("qemu: %w (install qemu-system-x86)", err)
	}
	dir, err := os.MkdirTemp("", "hadirector-guest-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	initrd := filepath.Join(dir, "initrd.cpio")
	if err := img.Build(initrd); err != nil {
		return Result{}, fmt.Errorf("building the initramfs: %w", err)
	}
	if opts.Memory == "" {
		opts.Memory = "1024M"
	}
	if opts.CPUs == 0 {
		opts.CPUs = 1
	}
	cmd := exec.CommandContext(ctx, qemu,
		"-accel", "tcg", "-m", opts.Memory, "-smp", strconv.Itoa(opts.CPUs),
		"-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot",
		"-kernel", img.Kernel.Image, "-initrd", initrd,
		"-append", "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init")
	cmd.WaitDelay = 5 * time.Second
	var console syncBuffer
	var w io.Writer = &console
	if opts.Console != nil {
		w = io.MultiWriter(&console, opts.Console)
	}
	cmd.Stdout, cmd.Stderr = w, w
	start := time.Now()
	runErr := cmd.Run()
	res := Result{Exit: -1, Console: console.Bytes(), Elapsed: time.Since(start)}
	if m := exitLine.FindSubmatch(res.Console); m != nil {
		res.Exit, _ = strconv.Atoi(string(m[1]))
		return res, nil
	}
	if runErr == nil {
		runErr = errors.New("qemu exited")
	}
	if ctx.Err() != nil {
		runErr = fmt.Errorf("%w (%v)", ctx.Err(), runErr)
	}
	return res, fmt.Errorf("guest ended without %s: %w", ExitMarker, runErr)
}

// syncBuffer is a bytes.Buffer safe for qemu's stdout and stderr copiers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
