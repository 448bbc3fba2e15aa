// Package testlab holds the lab helpers that only tests and benchmarks use:
// keepalived started as the reference peer in a netlab namespace. The
// product never imports it (cmd/hadirector's TestNoTestCodeLinked checks).
package testlab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hadirector/hadirector/internal/netlab"
)

// KeepalivedInstance is one vrrp_instance of a keepalived configuration, the
// interop and benchmark reference peer.
type KeepalivedInstance struct {
	Interface    string
	VRID         int
	Priority     int
	Version      int    // 2 or 3
	AdvertInt    string // seconds, e.g. "1" or "0.1"
	VIPs         []string
	NoPreempt    bool
	Password     string   // v2 auth_type PASS
	UnicastSrc   string   // with UnicastPeers
	UnicastPeers []string // unicast instead of multicast
	UseVMAC      bool     // use_vmac: the VIPs on macvlan vrrp.VRID with the virtual MAC
}

// Config renders the instance as keepalived.conf text.
func (k KeepalivedInstance) Config(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "vrrp_instance %s {\n    state BACKUP\n    interface %s\n    virtual_router_id %d\n", name, k.Interface, k.VRID)
	fmt.Fprintf(&b, "    priority %d\n    advert_int %s\n    version %d\n", k.Priority, k.AdvertInt, k.Version)
	if k.NoPreempt {
		b.WriteString("    nopreempt\n")
	}
	if k.UseVMAC {
		b.WriteString("    use_vmac\n")
	}
	if k.Password != "" {
		fmt.Fprintf(&b, "    authentication {\n        auth_type PASS\n        auth_pass %s\n    }\n", k.Password)
	}
	if len(k.UnicastPeers) > 0 {
		fmt.Fprintf(&b, "    unicast_src_ip %s\n    unicast_peer {\n", k.UnicastSrc)
		for _, p := range k.UnicastPeers {
			fmt.Fprintf(&b, "        %s\n", p)
		}
		b.WriteString("    }\n")
	}
	b.WriteString("    virtual_ipaddress {\n")
	for _, v := range k.VIPs {
		bits := 32
		if strings.Contains(v, ":") {
			bits = 128 // an IPv6 instance, as keepalived decides by its VIPs
		}
		fmt.Fprintf(&b, "        %s/%d dev %s\n", v, bits, k.Interface)
	}
	b.WriteString("    }\n}\n")
	return b.String()
}

// StartKeepalived writes a configuration with the given instances into dir
// and runs keepalived (VRRP only, in the foreground, logging to stderr, with
// its own pid files) in the namespace ns of l. Its VRRP child is ended by PID
// at l.Close.
func StartKeepalived(l *netlab.Lab, ns, dir string, insts ...KeepalivedInstance) (*netlab.Proc, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "global_defs {\n    router_id %s\n}\n", ns)
	for i, k := range insts {
		b.WriteString(k.Config(fmt.Sprintf("VI_%d", i+1)))
	}
	conf := filepath.Join(dir, ns+"-keepalived.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return StartKeepalivedFile(l, ns, dir, conf)
}

// StartKeepalivedFile runs keepalived on the configuration file conf, as
// StartKeepalived does, with more command-line arguments (such as "-i ID").
func StartKeepalivedFile(l *netlab.Lab, ns, dir, conf string, args ...string) (*netlab.Proc, error) {
	pid := filepath.Join(dir, ns+"-keepalived.pid")
	vrrpPid := filepath.Join(dir, ns+"-vrrp.pid")
	l.AdoptPIDFile(vrrpPid)
	argv := append([]string{"keepalived", "--dont-fork", "--log-console", "--log-detail", "--vrrp",
		"--use-file", conf, "--pid", pid, "--vrrp_pid", vrrpPid}, args...)
	return l.Start(ns, nil, argv...)
}
