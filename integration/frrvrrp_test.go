package integration

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startFRRVRRP runs FRR's zebra and vrrpd in host's namespace, in the
// foreground (their PIDs are the lab's to end), with their own pathspace,
// as virtual router 51 at priority prio and 100 ms adverts on eth0 for the
// VIP. vrrpd makes no macvlan of its own: the operator's vrrp4-2-51 on
// eth0 holds the virtual MAC and the VIP, and vrrpd sets it protodown
// while it is backup.
func (p *pairLab) startFRRVRRP(host string, prio int) (vtysh func(cmd string) string) {
	t := p.t
	t.Helper()
	for _, bin := range []string{"/usr/lib/frr/zebra", "/usr/lib/frr/vrrpd", "vtysh"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("FRR is needed (Debian package frr): %v", err)
		}
	}
	for _, cmd := range [][]string{
		{"link", "add", "link", "eth0", "name", "vrrp4-2-51", "address", vmac51, "type", "macvlan", "mode", "bridge"},
		{"addr", "add", vip + "/32", "dev", "vrrp4-2-51"},
		{"link", "set", "vrrp4-2-51", "up"},
	} {
		_, err := p.lab.IP(host, cmd...)
		must(t, err)
	}
	must(t, p.lab.Sysctl(host, "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2",
		"net.ipv4.conf.vrrp4-2-51.arp_ignore=1", "net.ipv4.conf.vrrp4-2-51.arp_announce=2"))
	fr, err := user.Lookup("frr")
	must(t, err)
	uid, _ := strconv.Atoi(fr.Uid)
	gid, _ := strconv.Atoi(fr.Gid)
	name := p.lab.NS(host)
	// A directory of its own: the test's temporary one is not open to
	// user frr.
	cdir, err := os.MkdirTemp("", "hadirector-frr-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(cdir) })
	run := filepath.Join("/var/run/frr", name)
	for _, d := range []string{cdir, run} {
		must(t, os.MkdirAll(d, 0o755))
		must(t, os.Chmod(d, 0o755))
		must(t, os.Chown(d, uid, gid))
	}
	t.Cleanup(func() { os.RemoveAll(run) })
	files := map[string]string{
		"zebra.conf": "hostname " + host + "\n",
		"vrrpd.conf": "hostname " + host + "\ninterface eth0\n vrrp 51 version 3\n vrrp 51 priority " + strconv.Itoa(prio) +
			"\n vrrp 51 advertisement-interval 100\n vrrp 51 ip " + vip + "\n",
	}
	for f, text := range files {
		path := filepath.Join(cdir, f)
		must(t, os.WriteFile(path, []byte(text), 0o644))
		must(t, os.Chown(path, uid, gid))
	}
	for _, daemon := range []string{"zebra", "vrrpd"} {
		proc, err := p.lab.Start(host, nil, "/usr/lib/frr/"+daemon, "-N", name, "-u", "frr", "-g", "frr", "-P", "0",
			"-f", filepath.Join(cdir, daemon+".conf"), "-i", filepath.Join(cdir, daemon+".pid"))
		must(t, err)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s log:\n%s", daemon, strings.Join(proc.Lines(), "\n"))
			}
		})
		if daemon == "zebra" { // vrrpd connects to it: its API socket first
			for deadline := time.Now().Add(waitFor); ; time.Sleep(20 * time.Millisecond) {
				if _, err := os.Stat(filepath.Join(run, "zserv.api")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("zebra's API socket did not appear")
				}
			}
		}
	}
	return func(cmd string) string {
		out, _ := p.lab.Exec(host, "vtysh", "-N", name, "-c", cmd)
		return out
	}
}

// FRR's vrrpd (in dB, priority 100) and hadirector with use_vmac (in dA,
// 150) share virtual router 51 behind a gateway that ignores gratuitous
// ARP: hadirector is master, vrrpd backup; at hadirector's SIGTERM vrrpd
// takes over, and gives way when it returns; the gateway's entry for the
// VIP is the virtual MAC throughout and the VIP answers pings after each
// change.
func TestFRRVRRPInteropVMAC(t *testing.T) {
	p, hdConf, hd := vmacMaster(t)
	vtysh := p.startFRRVRRP("dB", 100)
	state := func() string {
		out := vtysh("show vrrp 51")
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "Status (v4)") {
				return strings.Fields(l)[len(strings.Fields(l))-1]
			}
		}
		return out
	}
	waitVRRP := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(waitFor); state() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("vrrpd's state %q, want %s:\n%s", state(), want, vtysh("show vrrp 51"))
			}
		}
	}
	waitVRRP("Backup")
	ping, err := p.lab.Start("gw", nil, "ping", "-D", "-O", "-n", "-i", "0.01", vip)
	must(t, err)
	if _, err := ping.WaitLine(0, waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("no ping reply from the VIP: %v", err)
	}
	if got := p.gatewayMAC(); got != vmac51 {
		t.Fatalf("gateway's entry for the VIP: %q, want %s", got, vmac51)
	}
	must(t, hd.Signal(syscall.SIGTERM))
	waitExit(t, hd)
	waitVRRP("Master")
	if _, err := ping.WaitLine(ping.Mark(), waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("the VIP answers no ping after vrrpd took over: %v", err)
	}
	if got := p.gatewayMAC(); got != vmac51 {
		t.Errorf("gateway's entry after the failover: %q, want %s", got, vmac51)
	}
	// hadirector returns and preempts; vrrpd gives way.
	hd = p.start("dA", hdConf)
	p.waitState(hd, 0, "MASTER")
	waitVRRP("Backup")
	if _, err := ping.WaitLine(ping.Mark(), waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("the VIP answers no ping after hadirector took it back: %v", err)
	}
	if got := p.gatewayMAC(); got != vmac51 {
		t.Errorf("gateway's entry after the return: %q, want %s", got, vmac51)
	}
	logGap(t, ping)
}
