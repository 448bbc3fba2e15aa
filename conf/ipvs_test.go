package conf

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/ipvs"
)

// svcBase is base with one service; its [[service]] header is line 11.
const svcBase = base + `
[[service]]
address = "192.0.2.100:80"
  [[service.real]]
  address = "198.51.100.11"
`

func TestServiceDefaults(t *testing.T) {
	c, err := Parse("t.toml", []byte(svcBase))
	if err != nil {
		t.Fatal(err)
	}
	want := []ipvs.Service{{
		Key:       ipvs.ServiceKey{Proto: ipvs.TCP, Addr: netip.MustParseAddrPort("192.0.2.100:80")},
		Scheduler: ipvs.WLC, Quiescent: true,
		Reals: []ipvs.Real{{Addr: netip.MustParseAddrPort("198.51.100.11:80"), Forward: ipvs.DR, Weight: 1}},
	}}
	if !reflect.DeepEqual(c.IPVS.Services, want) {
		t.Errorf("got  %+v\nwant %+v", c.IPVS.Services, want)
	}
	if c.IPVS.Resync != time.Minute || c.IPVS.Timeouts != (ipvs.Timeouts{}) {
		t.Errorf("ipvs %+v", c.IPVS)
	}
}

func TestServiceFull(t *testing.T) {
	text := base + `
[ipvs]
tcp_timeout = "900s"
tcpfin_timeout = "2m"
udp_timeout = "300s"
resync = "30s"

[[service]]
address = "192.0.2.100:443"
scheduler = "sh"
persistence_timeout = "600s"
persistence_netmask = 24
quiescent = false
sorry_server = "198.51.100.99:8443"
sorry_forward = "nat"
  [service.check]
  type = "http"
  path = "/health"
  status = 204
  interval = "2s"
  timeout = "1s"
  rise = 2
  fall = 3
  [[service.real]]
  address = "198.51.100.11"
  weight = 5
  [[service.real]]
  address = "198.51.100.12:8443"
  forward = "nat"
    [service.real.check]
    port = 9000
  [[service.real]]
  address = "198.51.100.13"
  forward = "tun"
    [service.real.check]
    type = "exec"
    command = ["/usr/local/bin/probe", "{ip}", "--port={port}"]

[[service]]
fwmark = 7
persistent = true
  [[service.real]]
  address = "198.51.100.21"
    [service.real.check]
    type = "tcp"
    port = 22

[[service]]
protocol = "udp"
address = "192.0.2.100:53"
scheduler = "rr"
  [[service.real]]
  address = "198.51.100.31"
  weight = 0
`
	c, err := Parse("t.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if want := (ipvs.Timeouts{TCP: 900 * time.Second, TCPFin: 120 * time.Second, UDP: 300 * time.Second}); c.IPVS.Timeouts != want || c.IPVS.Resync != 30*time.Second {
		t.Errorf("ipvs %+v", c.IPVS)
	}
	ap := netip.MustParseAddrPort
	pol := ipvs.Policy{Interval: 2 * time.Second, Timeout: time.Second, Rise: 2, Fall: 3}
	want := []ipvs.Service{
		{Key: ipvs.ServiceKey{Proto: ipvs.TCP, Addr: ap("192.0.2.100:443")}, Scheduler: ipvs.SH,
			Persistent: true, PersistTimeout: 600 * time.Second, PersistNetmask: 24,
			Sorry: ipvs.Real{Addr: ap("198.51.100.99:8443"), Forward: ipvs.NAT, Weight: 1},
			Reals: []ipvs.Real{
				{Addr: ap("198.51.100.11:443"), Weight: 5, Check: &ipvs.HealthCheck{
					Checker: ipvs.HTTPCheck{Addr: ap("198.51.100.11:443"), Path: "/health", Status: 204}, Policy: pol}},
				{Addr: ap("198.51.100.12:8443"), Forward: ipvs.NAT, Weight: 1, Check: &ipvs.HealthCheck{
					Checker: ipvs.HTTPCheck{Addr: ap("198.51.100.12:9000"), Path: "/health", Status: 204}, Policy: pol}},
				{Addr: ap("198.51.100.13:443"), Forward: ipvs.Tunnel, Weight: 1, Check: &ipvs.HealthCheck{
					Checker: ipvs.ExecCheck{Path: "/usr/local/bin/probe", Args: []string{"198.51.100.13", "--port=443"}}, Policy: pol}},
			}},
		{Key: ipvs.FWMarkKey(7, false), Scheduler: ipvs.WLC, Persistent: true, PersistTimeout: 300 * time.Second, Quiescent: true,
			Reals: []ipvs.Real{{Addr: ap("198.51.100.21:0"), Weight: 1, Check: &ipvs.HealthCheck{
				Checker: ipvs.TCPCheck{Addr: ap("198.51.100.21:22")},
				Policy:  ipvs.Policy{Interval: 5 * time.Second, Timeout: 3 * time.Second, Rise: 1, Fall: 1}}}}},
		{Key: ipvs.ServiceKey{Proto: ipvs.UDP, Addr: ap("192.0.2.100:53")}, Scheduler: ipvs.RR, Quiescent: true,
			Reals: []ipvs.Real{{Addr: ap("198.51.100.31:53"), Weight: 0}}},
	}
	if len(c.IPVS.Services) != len(want) {
		t.Fatalf("%d services, want %d", len(c.IPVS.Services), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(c.IPVS.Services[i], want[i]) {
			t.Errorf("service %d:\n got  %+v\n want %+v", i, c.IPVS.Services[i], want[i])
			for j, r := range c.IPVS.Services[i].Reals {
				if j < len(want[i].Reals) && r.Check != nil && want[i].Reals[j].Check != nil {
					t.Logf("real %d check: got %+v, want %+v", j, *r.Check, *want[i].Reals[j].Check)
				}
			}
		}
	}
}

func TestServiceErrors(t *testing.T) {
	rep := func(old, new string) string { return strings.Replace(svcBase, old, new, 1) }
	add := func(s string) string { return svcBase + s }
	cases := []struct{ name, text, want string }{
		{"no address", rep(`address = "192.0.2.100:80"`, ``), "t.toml:11: service[0].address: required (or fwmark)"},
		{"address no port", rep(`"192.0.2.100:80"`, `"192.0.2.100"`), "t.toml:12: service[0].address: \"192.0.2.100\" is not an IPv4 VIP:port"},
		{"address v6", rep(`"192.0.2.100:80"`, `"[2001:db8::1]:80"`), "t.toml:12: service[0].address: \"[2001:db8::1]:80\" is not an IPv4"},
		{"address port 0", rep(`"192.0.2.100:80"`, `"192.0.2.100:0"`), "t.toml:12: service[0].address: 192.0.2.100:0: port 0"},
		{"protocol", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nprotocol = \"sctp\""), "t.toml:13: service[0].protocol: \"sctp\" is not tcp or udp"},
		{"fwmark and address", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nfwmark = 3"), "t.toml:13: service[0].fwmark: a service has either"},
		{"fwmark range", rep(`address = "192.0.2.100:80"`, "fwmark = 0"), "t.toml:12: service[0].fwmark: 0 is out of range"},
		{"scheduler", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nscheduler = \"fair\""), "t.toml:13: service[0].scheduler: \"fair\" is not one of"},
		{"persistence off but timeout", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\npersistent = false\npersistence_timeout = \"10s\""),
			"t.toml:14: service[0].persistence_timeout: set, but persistent = false"},
		{"persistence fraction", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\npersistence_timeout = \"1500ms\""),
			"t.toml:13: service[0].persistence_timeout: 1.5s: whole seconds"},
		{"netmask without persistence", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\npersistence_netmask = 24"),
			"t.toml:13: service[0].persistence_netmask: only meaningful with persistence"},
		{"netmask range", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\npersistent = true\npersistence_netmask = 33"),
			"t.toml:14: service[0].persistence_netmask: 33 is not a prefix length"},
		{"no reals", base + "\n[[service]]\naddress = \"192.0.2.100:80\"\n", "t.toml:11: service[0].real: at least one"},
		{"real missing address", rep(`address = "198.51.100.11"`, `weight = 1`), "t.toml:13: service[0].real[0].address: required"},
		{"real bad address", rep(`"198.51.100.11"`, `"real1"`), "t.toml:14: service[0].real[0].address: \"real1\" is not an IPv4"},
		{"real dr other port", rep(`"198.51.100.11"`, `"198.51.100.11:8080"`), "t.toml:14: service[0].real[0].address: port 8080 differs from the service's 80"},
		{"real forward", add("  forward = \"direct\"\n"), "t.toml:15: service[0].real[0].forward: \"direct\" is not dr, tun or nat"},
		{"real weight", add("  weight = 70000\n"), "t.toml:15: service[0].real[0].weight: 70000 is out of range 0..65535"},
		{"real twice", add("  [[service.real]]\n  address = \"198.51.100.11:80\"\n"), "t.toml:16: service[0].real[1].address: 198.51.100.11:80 is also service[0].real[0]"},
		{"real not unicast", rep(`"198.51.100.11"`, `"224.0.0.1"`), "t.toml:11: service[0]: "},
		{"duplicate service", add("\n[[service]]\naddress = \"192.0.2.100:80\"\n  [[service.real]]\n  address = \"198.51.100.12\"\n"),
			"t.toml:16: service[1]: TCP 192.0.2.100:80 is also defined by service[0]"},
		{"sorry forward alone", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nsorry_forward = \"nat\""), "t.toml:13: service[0].sorry_forward: only meaningful with sorry_server"},
		{"check type missing", add("    [service.real.check]\n    interval = \"1s\"\n"), "t.toml:15: service[0].real[0].check.type: required"},
		{"check type", add("    [service.real.check]\n    type = \"icmp\"\n"), "t.toml:16: service[0].real[0].check.type: \"icmp\" is not tcp, http, exec or none"},
		{"check timeout", add("    [service.real.check]\n    type = \"tcp\"\n    interval = \"1s\"\n    timeout = \"2s\"\n"), "t.toml:18: service[0].real[0].check.timeout: 2s is longer than the interval 1s"},
		{"check rise", add("    [service.real.check]\n    type = \"tcp\"\n    rise = 0\n"), "t.toml:17: service[0].real[0].check.rise: 0 is out of range 1..100"},
		{"check key of another type", add("    [service.real.check]\n    type = \"tcp\"\n    path = \"/\"\n"), "t.toml:17: service[0].real[0].check.path: not a key of a tcp check"},
		{"http path", add("    [service.real.check]\n    type = \"http\"\n    path = \"health\"\n"), "t.toml:17: service[0].real[0].check.path: \"health\" does not start with /"},
		{"http digest", add("    [service.real.check]\n    type = \"http\"\n    body_sha256 = \"abc\"\n"), "t.toml:17: service[0].real[0].check.body_sha256: \"abc\" is not 64"},
		{"exec no command", add("    [service.real.check]\n    type = \"exec\"\n"), "t.toml:15: service[0].real[0].check.command: required"},
		{"exec relative", add("    [service.real.check]\n    type = \"exec\"\n    command = [\"probe\"]\n"), "t.toml:17: service[0].real[0].check.command: \"probe\": give the program's absolute path"},
		{"fwmark check needs port", base + "\n[[service]]\nfwmark = 7\n  [[service.real]]\n  address = \"198.51.100.11\"\n    [service.real.check]\n    type = \"tcp\"\n",
			"t.toml:15: service[0].real[0].check.port: required"},
		{"service check without type", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\n  [service.check]\n  interval = \"1s\""), "t.toml:13: service[0].check.type: required"},
		{"unknown service key", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nweight = 3"), "t.toml:13: service[0].weight: unknown key"},
		{"unknown real key", add("  port = 80\n"), "t.toml:15: service[0].real[0].port: unknown key"},
		{"unknown check key", add("    [service.real.check]\n    type = \"tcp\"\n    retries = 3\n"), "t.toml:17: service[0].real[0].check.retries: unknown key"},
		{"scheduler unknown flag", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nscheduler = \"mh\"\nscheduler_flags = [\"mh-sticky\"]"),
			"t.toml:14: service[0].scheduler_flags: \"mh-sticky\" is not one of sh-fallback sh-port mh-fallback mh-port"},
		{"scheduler flag of another scheduler", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nscheduler = \"mh\"\nscheduler_flags = [\"sh-port\"]"),
			"t.toml:14: service[0].scheduler_flags: \"sh-port\" is a flag of the sh scheduler, and this service's is mh"},
		{"scheduler flag of the default", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nscheduler_flags = [\"sh-fallback\"]"),
			"t.toml:13: service[0].scheduler_flags: \"sh-fallback\" is a flag of the sh scheduler, and this service's is wlc"},
		{"scheduler flag twice", rep(`address = "192.0.2.100:80"`, "address = \"192.0.2.100:80\"\nscheduler = \"sh\"\nscheduler_flags = [\"sh-port\", \"sh-port\"]"),
			"t.toml:14: service[0].scheduler_flags: \"sh-port\" is listed twice"},
		{"ipvs timeout fraction", base + "[ipvs]\ntcp_timeout = \"1.5s\"\n", "t.toml:11: ipvs.tcp_timeout: 1.5s: the kernel takes whole seconds"},
		{"ipvs resync", base + "[ipvs]\nresync = \"10ms\"\n", "t.toml:11: ipvs.resync: 10ms is less than 1s"},
		{"ipvs unknown", base + "[ipvs]\nsync = 1\n", "t.toml:11: ipvs.sync: unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("t.toml", []byte(c.text))
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if cfg != nil {
				t.Error("an invalid file returned a Config")
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, c.want)
			}
		})
	}
}

// A second service's real server is located in its own element.
func TestServiceErrorLinesInSecondService(t *testing.T) {
	text := svcBase + "\n[[service]]\naddress = \"192.0.2.100:81\"\n  [[service.real]]\n  address = \"198.51.100.11\"\n  [[service.real]]\n  address = \"198.51.100.12\"\n  weight = -1\n"
	_, err := Parse("t.toml", []byte(text))
	if err == nil || !strings.HasPrefix(err.Error(), "t.toml:22: service[1].real[1].weight: -1 is out of range") {
		t.Fatalf("err %v", err)
	}
}

// The kernel's newer schedulers are accepted, and sh and mh take their
// flags, as ipvsadm -b and keepalived's sh-port, mh-fallback... name them.
func TestServiceSchedulers(t *testing.T) {
	for _, tc := range []struct {
		sched, flags       string
		fallback, hashPort bool
	}{
		{"fo", "", false, false},
		{"ovf", "", false, false},
		{"twos", "", false, false},
		{"mh", "", false, false},
		{"mh", `["mh-port"]`, false, true},
		{"mh", `["mh-fallback", "mh-port"]`, true, true},
		{"sh", `["sh-fallback"]`, true, false},
		{"sh", `["sh-port", "sh-fallback"]`, true, true},
		{"sh", `[]`, false, false},
	} {
		text := strings.Replace(svcBase, `address = "192.0.2.100:80"`, `address = "192.0.2.100:80"`+"\nscheduler = \""+tc.sched+"\"", 1)
		if tc.flags != "" {
			text = strings.Replace(text, "scheduler = ", "scheduler_flags = "+tc.flags+"\nscheduler = ", 1)
		}
		c, err := Parse("t.toml", []byte(text))
		if err != nil {
			t.Errorf("%s %s: %v", tc.sched, tc.flags, err)
			continue
		}
		s := c.IPVS.Services[0]
		if string(s.Scheduler) != tc.sched || s.Fallback != tc.fallback || s.HashPort != tc.hashPort {
			t.Errorf("%s %s: scheduler %s, fallback %v, port %v; want %s, %v, %v",
				tc.sched, tc.flags, s.Scheduler, s.Fallback, s.HashPort, tc.sched, tc.fallback, tc.hashPort)
		}
	}
}
