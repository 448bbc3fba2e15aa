package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

// ipvsCase is a keepalived configuration with virtual servers and the
// table (ipvsadm -Sn lines) keepalived and the converted hadirector must
// both program.
type ipvsCase struct {
	name, conf string
	want       []string
	timeouts   string // ipvsadm -Ln --timeout, if the case sets them
}

// ipvsCases cover virtual_server (address, fwmark, group with a range),
// lb_algo/lvs_sched, lb_kind/lvs_method and its NAT default, protocol and
// its UDP default, persistence
// (a bare persistence_timeout is 360 s) and granularity, protocol, the
// scheduler flags, sorry_server, inhibit_on_failure, real_server weight,
// MISC_CHECK and TCP_CHECK, and lvs_timeouts.
func ipvsCases() []ipvsCase {
	vi := "vrrp_instance VI_1 {\n  interface v0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10\n  }\n}\n"
	return []ipvsCase{
		{name: "nat-defaults", conf: vi + "virtual_server 192.0.2.10 80 {\n  real_server 198.51.100.11 80 {\n  }\n  real_server 198.51.100.12 8080 {\n    weight 3\n  }\n}\n",
			want: []string{"-A -u 192.0.2.10:80 -s wlc", "-a -u 192.0.2.10:80 -r 198.51.100.11:80 -m -w 1", "-a -u 192.0.2.10:80 -r 198.51.100.12:8080 -m -w 3"}},
		{name: "dr-udp-persistence", conf: vi + "virtual_server 192.0.2.10 53 {\n  lb_algo rr\n  lb_kind DR\n  protocol UDP\n  persistence_timeout\n  persistence_granularity 255.255.255.0\n  real_server 198.51.100.11 53 {\n    weight 2\n  }\n}\n",
			want: []string{"-A -u 192.0.2.10:53 -s rr -p 360 -M 255.255.255.0", "-a -u 192.0.2.10:53 -r 198.51.100.11:53 -g -w 2"}},
		{name: "fwmark-tun-sh-flags", conf: vi + "virtual_server fwmark 7 {\n  lvs_sched sh\n  sh-port\n  sh-fallback\n  lvs_method TUN\n  persistence_timeout 900\n  real_server 198.51.100.11 {\n  }\n  real_server 198.51.100.12 {\n    weight 4\n  }\n}\n",
			want: []string{"-A -f 7 -s sh -p 900 -b sh-fallback,sh-port", "-a -f 7 -r 198.51.100.11:0 -i -w 1 --tun-type ipip", "-a -f 7 -r 198.51.100.12:0 -i -w 4 --tun-type ipip"}},
		{name: "group-range-misc-check", conf: vi + "virtual_server_group G {\n  192.0.2.20-21 443\n}\nvirtual_server group G {\n  protocol TCP\n  lb_algo wrr\n  lb_kind DR\n  delay_loop 1\n  real_server 198.51.100.11 443 {\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n  }\n  real_server 198.51.100.12 443 {\n    MISC_CHECK {\n      misc_path \"/bin/false 198.51.100.12\"\n    }\n  }\n}\n",
			want: []string{"-A -t 192.0.2.20:443 -s wrr", "-A -t 192.0.2.21:443 -s wrr", "-a -t 192.0.2.20:443 -r 198.51.100.11:443 -g -w 1", "-a -t 192.0.2.21:443 -r 198.51.100.11:443 -g -w 1"}},
		{name: "inhibit-sorry-tcp-check-timeouts", conf: "global_defs {\n  lvs_timeouts tcp 800 tcpfin 100 udp 200\n}\n" + vi + "virtual_server 192.0.2.30 80 {\n  protocol TCP\n  lb_kind DR\n  delay_loop 1\n  inhibit_on_failure\n  sorry_server 198.51.100.99 80\n  real_server 198.51.100.11 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n",
			want:     []string{"-A -t 192.0.2.30:80 -s wlc", "-a -t 192.0.2.30:80 -r 198.51.100.11:80 -g -w 0", "-a -t 192.0.2.30:80 -r 198.51.100.99:80 -g -w 1"},
			timeouts: "Timeout (tcp tcpfin udp): 800 100 200"},
	}
}

// TestConvertIPVSInGuest runs keepalived's checker process and then the
// converted hadirector, in turn, on each configuration in one qemu guest
// with IPVS: each must program the same table (ipvsadm -Sn, sorted), the
// one the case names. The steps are in testdata/convert-ipvs.sh.
func TestConvertIPVSInGuest(t *testing.T) {
	needLab(t)
	files := staticBinaries(t, map[string]string{"hadirector": "../cmd/hadirector"})
	hd := files[0].Host
	dir := t.TempDir()
	var names []string
	for _, c := range ipvsCases() {
		names = append(names, c.name)
		ka := filepath.Join(dir, c.name+".conf")
		must(t, os.WriteFile(ka, []byte(c.conf), 0o644))
		out := filepath.Join(dir, c.name+".toml")
		if msg, err := exec.Command(hd, "convert", "-o", out, "--check", ka).CombinedOutput(); err != nil {
			t.Fatalf("%s: convert: %v\n%s", c.name, err, msg)
		}
		want := append([]string{}, c.want...)
		sort.Strings(want)
		files = append(files,
			guest.File{Path: "/etc/ka/" + c.name + ".conf", Host: ka},
			guest.File{Path: "/etc/hd/" + c.name + ".toml", Host: out},
			guest.File{Path: "/etc/want/" + c.name, Data: []byte(strings.Join(want, "\n") + "\n")})
		if c.timeouts != "" {
			files = append(files, guest.File{Path: "/etc/want/" + c.name + ".timeout", Data: []byte(c.timeouts + "\n")})
		}
	}
	files = append(files, guest.File{Path: "/etc/cases", Data: []byte(strings.Join(names, "\n") + "\n")})
	runGuest(t, "convert-ipvs.sh", "CONVERT-IPVS-OK", nil, []string{"/usr/sbin/keepalived"}, files)
}
