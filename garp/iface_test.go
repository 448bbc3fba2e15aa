package garp

import (
	"net"
	"runtime"
	"testing"
)

// What Interface returns keeps only itself alive: the netlink dump behind
// the standard library's answer (a kilobyte and more per interface listed)
// is freed.
func TestInterfaceKeepsNoDump(t *testing.T) {
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, a := range all {
		if len(a.HardwareAddr) > 0 { // the loopback's is zeros: Go reports none
			name = a.Name
			break
		}
	}
	if name == "" {
		t.Skip("no interface with a hardware address here")
	}
	const n = 200
	kept := make([]*net.Interface, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for k := range kept {
		if kept[k], err = Interface(name); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	if per > 512 {
		t.Errorf("each kept interface holds %d bytes; a copy is about 100", per)
	}
	runtime.KeepAlive(kept)
}
