package conf

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	lvssync "github.com/hadirector/hadirector/sync"
)

// syncBase is base with a [sync] table at line 11.
const syncBase = base + `
[sync]
instance = "a"
interface = "eth1"
sync_id = 7
`

func TestSyncDefaults(t *testing.T) {
	c, err := Parse("t.toml", []byte(syncBase))
	if err != nil {
		t.Fatal(err)
	}
	want := Sync{Instance: "a", Daemon: lvssync.Daemon{Interface: "eth1", SyncID: 7}, Mode: lvssync.Both,
		FailbackHold: true, FailbackQuiet: 3 * time.Second, FailbackMax: time.Minute}
	if c.Sync == nil || *c.Sync != want {
		t.Errorf("got %+v, want %+v", c.Sync, want)
	}
	if !c.Instances[0].HoldPreemptAtStart {
		t.Error("the owning instance does not hold preemption at start")
	}
	c, err = Parse("t.toml", []byte(base))
	if err != nil || c.Sync != nil || c.Instances[0].HoldPreemptAtStart {
		t.Errorf("without [sync]: %+v %v", c, err)
	}
}

func TestSyncFull(t *testing.T) {
	c, err := Parse("t.toml", []byte(syncBase+`mode = "follow"
group = "224.0.0.81"
port = 8849
ttl = 2
max_len = 1400
failback_hold = false
failback_quiet = "2s"
failback_max = "10s"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := Sync{Instance: "a", Daemon: lvssync.Daemon{Interface: "eth1", SyncID: 7, Group: netip.MustParseAddr("224.0.0.81"),
		Port: 8849, TTL: 2, MaxLen: 1400}, Mode: lvssync.Follow, FailbackQuiet: 2 * time.Second, FailbackMax: 10 * time.Second}
	if *c.Sync != want {
		t.Errorf("got %+v, want %+v", *c.Sync, want)
	}
	if c.Instances[0].HoldPreemptAtStart {
		t.Error("failback_hold = false still holds")
	}
}

// TestSyncIPv6Group: an IPv6 group makes the kernel sync over IPv6.
func TestSyncIPv6Group(t *testing.T) {
	c, err := Parse("t.toml", []byte(syncBase+"group = \"ff02::1:81\"\nttl = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if g := c.Sync.Daemon.Group; g != netip.MustParseAddr("ff02::1:81") {
		t.Errorf("group %v, want ff02::1:81", g)
	}
}

func TestSyncErrors(t *testing.T) {
	rep := func(old, new string) string { return strings.Replace(syncBase, old, new, 1) }
	cases := []struct{ name, text, want string }{
		{"no instance", rep(`instance = "a"`, ``), "t.toml:11: sync.instance: required"},
		{"unknown instance", rep(`instance = "a"`, `instance = "b"`), "t.toml:12: sync.instance: \"b\" is not the name of an [[instance]]"},
		{"no interface", rep(`interface = "eth1"`, ``), "t.toml:11: sync.interface: required"},
		{"sync id", rep(`sync_id = 7`, `sync_id = 256`), "t.toml:14: sync.sync_id: 256 is out of range 0..255"},
		{"mode", syncBase + "mode = \"master\"\n", "t.toml:15: sync.mode: \"master\" is not \"both\" or \"follow\""},
		{"group", syncBase + "group = \"192.0.2.1\"\n", "t.toml:15: sync.group: \"192.0.2.1\" is not an IPv4 or IPv6 multicast address"},
		{"group v6 unicast", syncBase + "group = \"2001:db8::1\"\n", "t.toml:15: sync.group: \"2001:db8::1\" is not an IPv4 or IPv6 multicast address"},
		{"group v6 zone", syncBase + "group = \"ff02::1:81%eth1\"\n", "t.toml:15: sync.group: \"ff02::1:81%eth1\" is not an IPv4 or IPv6 multicast address"},
		{"group v6 interface-local", syncBase + "group = \"ff01::81\"\n", "t.toml:15: sync.group: \"ff01::81\" is interface-local"},
		{"quiet", syncBase + "failback_quiet = \"0s\"\n", "t.toml:15: sync.failback_quiet: 0s: must be positive"},
		{"max below quiet", syncBase + "failback_max = \"1s\"\n", "t.toml:15: sync.failback_max: 1s is less than failback_quiet (3s)"},
		{"unknown key", syncBase + "syncid = 3\n", "t.toml:15: sync.syncid: unknown key"},
	}
	for _, c := range cases {
		_, err := Parse("t.toml", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
