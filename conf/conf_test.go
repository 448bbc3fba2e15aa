package conf

import (
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const base = `[global]
log_level = "info"

[[instance]]
name = "a"
interface = "eth0"
vrid = 51
priority = 150
vips = ["192.0.2.100"]
`

func TestParseDefaults(t *testing.T) {
	c, err := Parse("t.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	want := Instance{Name: "a", Interface: "eth0", VRID: 51, Priority: 150, Version: 3,
		AdvertInterval: time.Second, VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}, Preempt: true,
		GARP: GARP{Count: 5, RepeatDelay: 5 * time.Second}}
	if len(c.Instances) != 1 || !reflect.DeepEqual(c.Instances[0], want) {
		t.Fatalf("got %+v\nwant %+v", c.Instances, want)
	}
	if c.File != "t.toml" || c.Global.LogLevel != "info" {
		t.Errorf("file %q level %q", c.File, c.Global.LogLevel)
	}
}

func TestExampleParses(t *testing.T) {
	c, err := Load("../examples/hadirector.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Instances) != 2 || c.Instances[1].Password != "s3cret" || c.Instances[1].Version != 2 ||
		c.Instances[1].UnicastSrc != netip.MustParseAddr("198.51.100.11") || len(c.Instances[0].VIPs) != 2 {
		t.Errorf("example decoded as %+v", c.Instances)
	}
}

// Each row changes the base file and expects one error with this prefix.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"vrid range", strings.Replace(base, "vrid = 51", "vrid = 300", 1), "t.toml:7: instance[0].vrid: 300 is out of range 1..255"},
		{"vrid zero", strings.Replace(base, "vrid = 51", "vrid = 0", 1), "t.toml:7: instance[0].vrid: 0 is out of range"},
		{"vrid missing", strings.Replace(base, "vrid = 51\n", "", 1), "t.toml:4: instance[0].vrid: required"},
		{"priority range", strings.Replace(base, "priority = 150", "priority = 256", 1), "t.toml:8: instance[0].priority: 256 is out of range 1..255"},
		{"priority zero", strings.Replace(base, "priority = 150", "priority = 0", 1), "t.toml:8: instance[0].priority: 0 is out of range"},
		{"name missing", strings.Replace(base, "name = \"a\"\n", "", 1), "t.toml:4: instance[0].name: required"},
		{"interface missing", strings.Replace(base, "interface = \"eth0\"\n", "", 1), "t.toml:4: instance[0].interface: required"},
		{"version", base + "version = 4\n", "t.toml:10: instance[0].version: 4 is out of range 2..3"},
		{"v3 interval too short", base + "advert_interval = \"5ms\"\n", "t.toml:10: instance[0].advert_interval: 5ms: VRRPv3 needs"},
		{"v3 interval too long", base + "advert_interval = \"41s\"\n", "t.toml:10: instance[0].advert_interval: 41s: VRRPv3"},
		{"v3 interval step", base + "advert_interval = \"105ms\"\n", "t.toml:10: instance[0].advert_interval: 105ms: VRRPv3"},
		{"v2 interval fraction", base + "version = 2\nadvert_interval = \"1500ms\"\n", "t.toml:11: instance[0].advert_interval: 1.5s: VRRPv2 needs whole seconds"},
		{"v2 interval 100ms", base + "version = 2\nadvert_interval = \"100ms\"\n", "t.toml:11: instance[0].advert_interval: 100ms: VRRPv2"},
		{"bad duration", base + "advert_interval = \"soon\"\n", "t.toml:10: instance[0].advert_interval: \"soon\" is not a duration"},
		{"negative delay", base + "preempt_delay = \"-1s\"\n", "t.toml:10: instance[0].preempt_delay: -1s is negative"},
		{"no vips", strings.Replace(base, `vips = ["192.0.2.100"]`, "vips = []", 1), "t.toml:9: instance[0].vips: at least one VIP"},
		{"vip v4 with a prefix", strings.Replace(base, `"192.0.2.100"`, `"192.0.2.100/24"`, 1), "t.toml:9: instance[0].vips: entry 1: \"192.0.2.100/24\" is not an IPv4"},
		{"vip garbage", strings.Replace(base, `"192.0.2.100"`, `"192.0.2.300"`, 1), "t.toml:9: instance[0].vips: entry 1: \"192.0.2.300\" is not"},
		{"vip multicast", strings.Replace(base, `"192.0.2.100"`, `"224.0.0.18"`, 1), "t.toml:9: instance[0].vips: entry 1: 224.0.0.18 is not a unicast"},
		{"vip twice", strings.Replace(base, `"192.0.2.100"`, `"192.0.2.100", "192.0.2.100"`, 1), "t.toml:9: instance[0].vips: 192.0.2.100 is listed twice"},
		{"password v3", base + "password = \"x\"\n", "t.toml:10: instance[0].password: authentication exists only in VRRPv2"},
		{"password long", base + "version = 2\npassword = \"123456789\"\n", "t.toml:11: instance[0].password: must be 1 to 8 bytes"},
		{"unicast src alone", base + "unicast_src = \"192.0.2.11\"\n", "t.toml:10: instance[0].unicast_src: only meaningful with unicast_peers or [[instance.unicast_peer]]"},
		{"peer is a vip", base + "unicast_peers = [\"192.0.2.100\"]\n", "t.toml:10: instance[0].unicast_peers: 192.0.2.100 is one of the instance's VIPs"},
		{"peer bad", base + "unicast_peers = [\"x\"]\n", "t.toml:10: instance[0].unicast_peers: entry 1: \"x\" is not an IPv4"},
		{"log level", strings.Replace(base, `"info"`, `"loud"`, 1), "t.toml:2: global.log_level: \"loud\" is not one of"},
		{"metrics address", strings.Replace(base, "[global]\n", "[global]\nmetrics_address = \"localhost:9650\"\n", 1), "t.toml:2: global.metrics_address: \"localhost:9650\" is not IP:port"},
		{"metrics port 0", strings.Replace(base, "[global]\n", "[global]\nmetrics_address = \"127.0.0.1:0\"\n", 1), "t.toml:2: global.metrics_address:"},
		{"notify relative", base + "notify = [\"notify.sh\"]\n", "t.toml:10: instance[0].notify: \"notify.sh\": give the program's absolute path"},
		{"notify empty", base + "notify_master = []\n", "t.toml:10: instance[0].notify_master: empty"},
		{"notify timeout", base + "notify_timeout = \"0s\"\n", "t.toml:10: instance[0].notify_timeout: 0s: must be more than 0s"},
		{"notify fifo relative", strings.Replace(base, "[global]\n", "[global]\nnotify_fifo = \"fifo\"\n", 1), "t.toml:2: global.notify_fifo: \"fifo\": give an absolute path"},
		{"startup delay", strings.Replace(base, "[global]\n", "[global]\nstartup_delay = \"2h\"\n", 1), "t.toml:2: global.startup_delay: 2h0m0s: must be from 0s to 1h"},
		{"garp count", base + "[instance.garp]\ncount = 101\n", "t.toml:11: instance[0].garp.count: 101 is out of range 0..100"},
		{"garp refresh", base + "[instance.garp]\nrefresh = \"100ms\"\n", "t.toml:11: instance[0].garp.refresh: 100ms: a refresh must be"},
		{"garp spacing", base + "[instance.garp]\nspacing = \"11s\"\n", "t.toml:11: instance[0].garp.spacing: 11s is more than 10s"},
		{"unknown global", strings.Replace(base, "[global]\n", "[global]\nloglevel = 1\n", 1), "t.toml:2: global.loglevel: unknown key"},
		{"unknown top", "bogus = 1\n" + base, "t.toml:1: bogus: unknown key"},
		{"unknown instance key", base + "prio = 3\n", "t.toml:10: instance[0].prio: unknown key"},
		{"unknown garp key", base + "[instance.garp]\nburst = 3\n", "t.toml:11: instance[0].garp.burst: unknown key"},
		{"no instances", "[global]\n", "t.toml:0: instance: no [[instance]]"},
		{"syntax", base + "vrid = = 3\n", "t.toml:10: "},
		{"type", strings.Replace(base, "vrid = 51", `vrid = "51"`, 1), "t.toml:7: "},
		{"duplicate name", base + "\n[[instance]]\nname = \"a\"\ninterface = \"eth1\"\nvrid = 1\npriority = 1\nvips = [\"192.0.2.7\"]\n",
			"t.toml:12: instance[1].name: \"a\" is also the name of instance[0]"},
		{"duplicate vrid", base + "\n[[instance]]\nname = \"b\"\ninterface = \"eth0\"\nvrid = 51\npriority = 1\nvips = [\"192.0.2.7\"]\n",
			"t.toml:14: instance[1].vrid: VRID 51 (v3, IPv4) on eth0 is also used by instance[0]"},
		{"vip across instances", base + "\n[[instance]]\nname = \"b\"\ninterface = \"eth0\"\nvrid = 52\npriority = 1\nvips = [\"192.0.2.100\"]\n",
			"t.toml:16: instance[1].vips: VIP 1 (192.0.2.100) on eth0 is also held by instance[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("t.toml", []byte(c.text))
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if cfg != nil {
				t.Errorf("an invalid file returned a Config")
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, c.want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.File != "t.toml" {
				t.Errorf("error %v is not a *conf.Error naming the file", err)
			}
		})
	}
}

func TestSameVRIDDifferentVersionOrInterface(t *testing.T) {
	text := base + "\n[[instance]]\nname = \"b\"\ninterface = \"eth1\"\nvrid = 51\npriority = 1\nvips = [\"192.0.2.100\"]\n" +
		"\n[[instance]]\nname = \"c\"\ninterface = \"eth0\"\nvrid = 51\nversion = 2\npriority = 1\nvips = [\"192.0.2.101\"]\n"
	if _, err := Parse("t.toml", []byte(text)); err != nil {
		t.Fatalf("VRID 51 on another interface, and as v2, are distinct routers: %v", err)
	}
}

func TestErrorsSortedAndAllReported(t *testing.T) {
	text := strings.Replace(strings.Replace(base, "priority = 150", "priority = 0", 1), "vrid = 51", "vrid = 0", 1) + "bogus = 1\n"
	_, err := Parse("t.toml", []byte(text))
	lines := strings.Split(err.Error(), "\n")
	want := []string{"t.toml:7: instance[0].vrid", "t.toml:8: instance[0].priority", "t.toml:10: instance[0].bogus"}
	if len(lines) != len(want) {
		t.Fatalf("got %d errors:\n%v", len(lines), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("error %d: %q, want prefix %q", i, lines[i], want[i])
		}
	}
}

func TestUnknownKeyInSecondInstance(t *testing.T) {
	text := base + "\n[[instance]]\nname = \"b\"\ninterface = \"eth1\"\nvrid = 1\npriority = 1\nvips = [\"192.0.2.7\"]\nnopreempt = true\n"
	_, err := Parse("t.toml", []byte(text))
	if err == nil || !strings.HasPrefix(err.Error(), "t.toml:17: instance[1].nopreempt: unknown key") {
		t.Fatalf("err %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load("/nonexistent/hadirector.toml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err %v", err)
	}
}

func TestMetricsAddress(t *testing.T) {
	c, err := Parse("t.toml", []byte(strings.Replace(base, "[global]\n", "[global]\nmetrics_address = \"[::1]:9650\"\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Global.MetricsAddress.String(); got != "[::1]:9650" {
		t.Errorf("metrics address %s", got)
	}
}

func TestNotify(t *testing.T) {
	text := strings.Replace(base, "[global]\n", "[global]\nnotify_fifo = \"/run/n.fifo\"\n", 1) +
		"notify = [\"/bin/logger\", \"-t\", \"vrrp\"]\nnotify_master = [\"/usr/local/bin/up\"]\nnotify_timeout = \"2s\"\n"
	c, err := Parse("t.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := Notify{Any: []string{"/bin/logger", "-t", "vrrp"}, Master: []string{"/usr/local/bin/up"}, Timeout: 2 * time.Second}
	if got := c.Instances[0].Notify; got == nil || !reflect.DeepEqual(*got, want) || c.Global.NotifyFIFO != "/run/n.fifo" {
		t.Errorf("notify %+v fifo %q", got, c.Global.NotifyFIFO)
	}
}

func TestStartupDelay(t *testing.T) {
	c, err := Parse("t.toml", []byte(strings.Replace(base, "[global]\n", "[global]\nstartup_delay = \"45s\"\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Global.StartupDelay != 45*time.Second || c.Instances[0].StartupDelay != 45*time.Second {
		t.Errorf("global %v, instance %v", c.Global.StartupDelay, c.Instances[0].StartupDelay)
	}
}
