package sync

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"
)

// reply wraps a daemon's attributes as a GET_DAEMON reply payload.
func reply(d Daemon) []byte {
	return append([]byte{cmdNewDaemon, 1, 0, 0}, d.attrs(true)...)
}

func TestDaemonAttrsRoundTrip(t *testing.T) {
	for _, d := range []Daemon{
		{Role: Master, Interface: "eth0", SyncID: 7},
		{Role: Backup, Interface: "bond0.100", SyncID: 255, MaxLen: 1400, Group: netip.MustParseAddr("224.0.0.81"), Port: 8849, TTL: 3},
		{Role: Backup, Interface: "e", Group: netip.MustParseAddr("ff02::81")},
	} {
		got, err := ParseDaemonReply(reply(d))
		if err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Errorf("got %+v, want %+v", got, d)
		}
	}
	// DEL carries the role only.
	del := Daemon{Role: Master, Interface: "eth0", SyncID: 7}.attrs(false)
	if len(del) != 4+8 || binary.NativeEndian.Uint16(del[2:]) != cmdAttrDaemon|nlaFNested {
		t.Errorf("DEL attributes %x", del)
	}
}

func TestDaemonString(t *testing.T) {
	cases := map[string]Daemon{
		"master sync daemon (mcast=eth0, syncid=7)": {Role: Master, Interface: "eth0", SyncID: 7},
		"backup sync daemon (mcast=eth1, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)": {Role: Backup, Interface: "eth1",
			MaxLen: 1472, Group: netip.MustParseAddr("224.0.0.81"), Port: 8848, TTL: 1},
	}
	for want, d := range cases {
		if got := d.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestDaemonCheck(t *testing.T) {
	bad := []Daemon{
		{Role: 3, Interface: "eth0"},
		{Role: Master},
		{Role: Master, Interface: "a-very-long-ifname"},
		{Role: Master, Interface: "eth0", Group: netip.MustParseAddr("192.0.2.1")},
		{Role: Master, Interface: "eth0", Group: netip.MustParseAddr("2001:db8::1")},
		{Role: Master, Interface: "eth0", Group: netip.MustParseAddr("::ffff:224.0.0.81")},
		{Role: Master, Interface: "eth0", Group: netip.MustParseAddr("ff02::81%eth0")},
	}
	for _, d := range bad {
		if d.Check() == nil {
			t.Errorf("%+v passed", d)
		}
	}
	for _, g := range []string{"", "224.0.0.81", "ff02::1:81", "ff05::81"} {
		d := Daemon{Role: Backup, Interface: "eth0"}
		if g != "" {
			d.Group = netip.MustParseAddr(g)
		}
		if err := d.Check(); err != nil {
			t.Error(err)
		}
	}
}

func TestParseDaemonReplyRejects(t *testing.T) {
	good := reply(Daemon{Role: Master, Interface: "eth0", SyncID: 7})
	cases := map[string][]byte{
		"short":         good[:3],
		"no attributes": good[:4],
		"cut attribute": good[:len(good)-6],
		"no state": append([]byte{0, 0, 0, 0}, appendAttr(nil, cmdAttrDaemon,
			appendAttr(nil, daemonAttrIfname, []byte("eth0\x00")))...),
		"short sync id": append([]byte{0, 0, 0, 0}, appendAttr(nil, cmdAttrDaemon,
			appendAttr(appendAttr(nil, daemonAttrState, []byte{1, 0, 0, 0}), daemonAttrSyncID, []byte{1}))...),
	}
	for name, b := range cases {
		if d, err := ParseDaemonReply(b); err == nil {
			t.Errorf("%s: parsed %+v", name, d)
		}
	}
}

func FuzzParseDaemonReply(f *testing.F) {
	f.Add(reply(Daemon{Role: Master, Interface: "eth0", SyncID: 7}))
	f.Add(reply(Daemon{Role: Backup, Interface: "eth1", MaxLen: 1400, Group: netip.MustParseAddr("224.0.0.81"), Port: 1, TTL: 2}))
	f.Add(reply(Daemon{Role: Backup, Interface: "eth1", MaxLen: 1452, Group: netip.MustParseAddr("ff02::1:81"), Port: 8848, TTL: 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDaemonReply(b)
		if err != nil {
			return
		}
		_ = d.String()
	})
}
