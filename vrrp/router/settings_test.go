package router

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/hadirector/hadirector/conf"
)

// Instances that differ only in name, VRID, priority and VIPs share their
// settings; any other field that differs makes settings of its own; and
// each instance gives its configuration back whole, notify commands aside.
func TestSettingsShared(t *testing.T) {
	base := ownerConfig()
	base.Notify = &conf.Notify{Any: []string{"/bin/true"}}
	var tab settingsTable
	a := tab.config(base)
	own := base
	own.Name, own.VRID, own.Priority = "other", 9, 100
	own.VIPs = []netip.Addr{netip.MustParseAddr("192.0.2.101")}
	own.Notify = nil
	b := tab.config(own)
	if a.Instance != b.Instance {
		t.Error("two instances differing in name, VRID, priority and VIPs alone do not share settings")
	}
	want := base
	want.Notify = nil
	if got := a.whole(); !reflect.DeepEqual(got, want) {
		t.Errorf("whole = %+v, want %+v", got, want)
	}
	if got := b.whole(); !reflect.DeepEqual(got, own) {
		t.Errorf("whole = %+v, want %+v", got, own)
	}

	// Every other field: a config that differs there alone gets settings
	// of its own, and gets them back whole. A field added to conf.Instance
	// without a case here fails the test, until the key compares it too.
	rt := reflect.TypeOf(base)
	for k := 0; k < rt.NumField(); k++ {
		f := rt.Field(k)
		switch f.Name {
		case "Name", "VIPs", "VRID", "Priority", "Notify":
			continue
		}
		c := base
		c.Notify = nil
		v := reflect.ValueOf(&c).Elem().Field(k)
		switch x := v.Addr().Interface().(type) {
		case *string:
			*x += "x"
		case *bool:
			*x = !*x
		case *int:
			*x++
		case *time.Duration:
			*x += time.Millisecond
		case *[]netip.Addr:
			*x = append(*x, netip.MustParseAddr("192.0.2.200"))
		case *netip.Addr:
			*x = netip.MustParseAddr("192.0.2.201")
		case *conf.GARP:
			x.Refresh += time.Second
		case *[]conf.Track:
			*x = append(*x, conf.Track{Kind: conf.TrackFile, Path: "/run/x", Weight: 1})
		default:
			t.Errorf("field %s (%s): no way to vary it here; does settingsKey compare it?", f.Name, f.Type)
			continue
		}
		d := tab.config(c)
		if d.Instance == a.Instance {
			t.Errorf("a config differing in %s alone shares the others' settings", f.Name)
		}
		if got := d.whole(); !reflect.DeepEqual(got, c) {
			t.Errorf("differing in %s: whole = %+v, want %+v", f.Name, got, c)
		}
		// And a second instance with the same difference shares them.
		c2 := c
		c2.Name, c2.VRID = "again", 11
		if e := tab.config(c2); e.Instance != d.Instance {
			t.Errorf("two configs with the same %s do not share settings", f.Name)
		}
	}
}

// packOwn keeps every name and VIP list as given, in one block each, with
// each list capped so that an append to one cannot write into the next.
func TestPackOwn(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	b := netip.MustParseAddr("192.0.2.2")
	c := netip.MustParseAddr("192.0.2.3")
	in := []conf.Instance{
		{Name: "web", VIPs: []netip.Addr{a, b}},
		{Name: "", VIPs: nil},
		{Name: "mail", VIPs: []netip.Addr{c}},
	}
	out := packOwn(in)
	if len(out) != len(in) {
		t.Fatalf("%d configs back, want %d", len(out), len(in))
	}
	for k := range in {
		if !reflect.DeepEqual(out[k], in[k]) {
			t.Errorf("config %d: %+v, want %+v", k, out[k], in[k])
		}
	}
	if unsafe.Pointer(&out[2].VIPs[0]) != unsafe.Add(unsafe.Pointer(&out[0].VIPs[1]), unsafe.Sizeof(a)) {
		t.Error("the VIP lists are not one block")
	}
	if unsafe.Pointer(unsafe.StringData(out[2].Name)) != unsafe.Add(unsafe.Pointer(unsafe.StringData(out[0].Name)), len("web")) {
		t.Error("the names are not one block")
	}
	_ = append(out[0].VIPs, netip.MustParseAddr("192.0.2.9"))
	if out[2].VIPs[0] != c {
		t.Error("an append to one VIP list wrote into the next")
	}
}
