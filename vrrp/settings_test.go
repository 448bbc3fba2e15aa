package vrrp

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

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
