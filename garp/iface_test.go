package garp

import (
	"bytes"
	"net"
	"runtime"
	"testing"
)

// What Interface returns keeps only itself alive: the netlink reply its
// hardware address was read from is freed.
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

// Interface agrees with the standard library on every interface here, and
// fails on one that does not exist.
func TestInterfaceAsStandardLibrary(t *testing.T) {
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range all {
		got, err := Interface(want.Name)
		if err != nil {
			t.Errorf("%s: %v", want.Name, err)
			continue
		}
		if got.Index != want.Index || got.MTU != want.MTU || got.Name != want.Name || got.Flags != want.Flags || !bytes.Equal(got.HardwareAddr, want.HardwareAddr) {
			t.Errorf("%s: %+v, the standard library says %+v", want.Name, *got, want)
		}
	}
	if _, err := Interface("hd-no-such0"); err == nil {
		t.Error("an interface that does not exist: no error")
	}
}
