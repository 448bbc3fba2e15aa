// Package netlab builds throw-away networks of Linux network namespaces
// (hosts on a bridge) and tears them down again: namespaces deleted,
// processes ended by PID.
//
// It is a product package: hadirector demo runs in one. The tests and
// benchmarks use it too; what only they need (keepalived as the reference
// peer) is in internal/testlab.
package netlab

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
)

// Lab is one set of namespaces and the processes started in them.
type Lab struct {
	prefix string

	mu    sync.Mutex
	nss   []string // created namespaces, in order
	procs []*Proc  // started processes, in order
	// pidFiles name processes started by our processes (see AdoptPIDFile).
	pidFiles []string
}

// New starts an empty lab. Namespace names get a random prefix, so that labs
// of parallel tests, or a leftover from a crashed run, never collide.
func New() (*Lab, error) {
	if _, err := exec.LookPath("ip"); err != nil {
		return nil, fmt.Errorf("lab needs iproute2's ip: %w", err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	return &Lab{prefix: "hd" + hex.EncodeToString(b) + "-"}, nil
}

// NS is the full name of the lab's namespace called name.
func (l *Lab) NS(name string) string { return l.prefix + name }

// ip runs `ip ARGS...` and returns its combined output.
func ip(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Exec runs a command inside the namespace and returns its combined output.
func (l *Lab) Exec(ns string, args ...string) (string, error) {
	full := append([]string{"netns", "exec", l.NS(ns)}, args...)
	out, err := exec.Command("ip", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("in %s: %s: %w: %s", ns, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// IP runs `ip -n NS ARGS...` in the namespace.
func (l *Lab) IP(ns string, args ...string) (string, error) {
	return ip(append([]string{"-n", l.NS(ns)}, args...)...)
}

// AddNS creates a namespace with lo up and IPv6 off (quiet wires).
func (l *Lab) AddNS(name string) error {
	if _, err := ip("netns", "add", l.NS(name)); err != nil {
		return err
	}
	l.mu.Lock()
	l.nss = append(l.nss, l.NS(name))
	l.mu.Unlock()
	if err := l.Sysctl(name, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"); err != nil {
		return err
	}
	_, err := l.IP(name, "link", "set", "lo", "up")
	return err
}

// Close ends every process the lab started (by PID, SIGKILL, and reaps it)
// and deletes every namespace it created. It is safe to call more than once.
func (l *Lab) Close() error {
	l.mu.Lock()
	procs, nss, pidFiles := l.procs, l.nss, l.pidFiles
	l.procs, l.nss, l.pidFiles = nil, nil, nil
	l.mu.Unlock()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].Kill()
	}
	for _, f := range pidFiles {
		killPIDFile(f)
	}
	for i := len(nss) - 1; i >= 0; i-- {
		if _, err := ip("netns", "del", nss[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EnableIPv6 turns IPv6 back on in a namespace AddNS made, for the named
// interfaces and those created later; each interface then gets its
// link-local address once DAD has passed.
func (l *Lab) EnableIPv6(ns string, ifaces ...string) error {
	var settings []string
	for _, k := range append([]string{"all", "default"}, ifaces...) {
		settings = append(settings, "net.ipv6.conf."+k+".disable_ipv6=0")
	}
	return l.Sysctl(ns, settings...)
}
