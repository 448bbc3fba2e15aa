package netlab

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/drill"
)

// FRR is FRR's daemons running in one host's namespace, with a pathspace
// of their own (the namespace's name), so that several labs and the
// machine's own FRR do not meet.
type FRR struct {
	l    *Lab
	host string
	// Name is the pathspace (vtysh -N).
	Name string
	run  string
}

// StartFRR starts FRR's daemons on host in the foreground (their PIDs are
// the lab's to end), zebra first, each with its configuration text from
// confs (by daemon name: "zebra", "bgpd", "bfdd"); dir holds the files.
func (l *Lab) StartFRR(host, dir string, daemons []string, confs map[string]string) (*FRR, error) {
	fr, err := user.Lookup("frr")
	if err != nil {
		return nil, fmt.Errorf("FRR is needed (Debian package frr): %w", err)
	}
	uid, _ := strconv.Atoi(fr.Uid)
	gid, _ := strconv.Atoi(fr.Gid)
	f := &FRR{l: l, host: host, Name: l.NS(host), run: filepath.Join("/var/run/frr", l.NS(host))}
	cdir := filepath.Join(dir, "frr")
	for _, d := range []string{cdir, f.run} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(d, uid, gid); err != nil {
			return nil, err
		}
	}
	os.Chmod(dir, 0o755)
	for _, daemon := range daemons {
		p := filepath.Join(cdir, daemon+".conf")
		if err := os.WriteFile(p, []byte(confs[daemon]), 0o644); err != nil {
			return nil, err
		}
		if err := os.Chown(p, uid, gid); err != nil {
			return nil, err
		}
		if _, err := l.Start(host, nil, "/usr/lib/frr/"+daemon, "-N", f.Name, "-u", "frr", "-g", "frr", "-P", "0",
			"-f", p, "-i", filepath.Join(cdir, daemon+".pid")); err != nil {
			return f, err
		}
		// zebra first: the others connect to it. Its API socket appearing
		// is the sign it is up.
		if daemon == "zebra" {
			end := time.Now().Add(20 * time.Second)
			for {
				if _, err := os.Stat(filepath.Join(f.run, "zserv.api")); err == nil {
					break
				}
				if time.Now().After(end) {
					return f, fmt.Errorf("zebra's API socket: none after 20s")
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	return f, nil
}

// Close removes the pathspace's run directory (the lab ends the daemons).
func (f *FRR) Close() { os.RemoveAll(f.run) }

// Vtysh runs one vtysh command and returns its output from the first "{"
// (vtysh says on stdout that it has no vtysh.conf before the JSON).
func (f *FRR) Vtysh(cmd string) (string, error) {
	out, err := f.l.Exec(f.host, "vtysh", "-N", f.Name, "-c", cmd)
	if err != nil {
		return out, err
	}
	if i := strings.Index(out, "{"); i >= 0 {
		out = out[i:]
	}
	return out, nil
}

// NextHops is the active next hops of prefix's selected route in the
// RIB (show ip route PREFIX json); none when there is no route.
func (f *FRR) NextHops(prefix string) ([]string, error) {
	out, err := f.Vtysh("show ip route " + prefix + " json")
	if err != nil {
		return nil, err
	}
	return drill.RIBNextHops([]byte(out), prefix)
}
