package main

import (
	"bytes"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	lvssync "github.com/hadirector/hadirector/sync"
)

// fakeSync hands out prepared datagrams, then reports itself closed.
type fakeSync struct{ ds []lvssync.Datagram }

func (f *fakeSync) Read() (lvssync.Datagram, error) {
	if len(f.ds) == 0 {
		return lvssync.Datagram{}, net.ErrClosed
	}
	d := f.ds[0]
	f.ds = f.ds[1:]
	return d, nil
}

func (f *fakeSync) Close() error { return nil }

func TestWatchSync(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := lvssync.Conn{Protocol: 6, Flags: 3, State: 1, Client: netip.MustParseAddrPort("198.51.100.7:40000"),
		Virtual: netip.MustParseAddrPort("192.0.2.10:80"), Real: netip.MustParseAddrPort("192.0.2.11:80"), Timeout: 900}
	from := netip.MustParseAddr("192.0.2.2")
	ds := func() []lvssync.Datagram {
		return []lvssync.Datagram{
			{From: from, At: t0.Add(200 * time.Millisecond), Msg: lvssync.Message{SyncID: 7, Conns: []lvssync.Conn{c, c}}, Raw: []byte{1, 2}},
			{From: from, At: t0.Add(700 * time.Millisecond), Err: lvssync.ErrV0, Raw: []byte{0, 0, 0, 0}},
			{From: from, At: t0.Add(1500 * time.Millisecond), Msg: lvssync.Message{SyncID: 7, Conns: []lvssync.Conn{c}}},
			{From: from, At: t0.Add(2000 * time.Millisecond), Msg: lvssync.Message{SyncID: 7, Conns: []lvssync.Conn{c}}},
		}
	}
	var out bytes.Buffer
	if err := watchSync(&fakeSync{ds()}, 0, true, false, t0, &out); err != nil {
		t.Fatal(err)
	}
	want := "12:00:01 2.0 msg/s 2.0 conn/s (1 undecodable in all)\ntotal: 4 messages, 4 connections, 1 undecodable\n"
	if out.String() != want {
		t.Errorf("--stats:\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	if err := watchSync(&fakeSync{ds()}, 2, false, true, t0, &out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"12:00:00.200 from 192.0.2.2: sync id 7, 2 connections",
		"  TCP 198.51.100.7:40000 -> 192.0.2.10:80 -> 192.0.2.11:80 ESTABLISHED Route timeout=900s",
		"  hex 0102",
		"12:00:00.700 from 192.0.2.2: 4 bytes, not decodable: sync: protocol version 0",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Contains(out.String(), "12:00:01.500") {
		t.Errorf("--count 2 printed a third datagram")
	}
}

// sync watch prints a message of IPv6 records, as the kernel sends it on an
// IPv6 group (the capture in the sync package's testdata), from a
// link-local sender.
func TestWatchSyncIPv6(t *testing.T) {
	data, err := os.ReadFile("../../sync/testdata/kernel-udp6-template.hex")
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			if raw, err = hex.DecodeString(l); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := lvssync.Datagram{From: netip.MustParseAddr("fe80::1%s1"), At: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC), Raw: raw}
	d.Msg, d.Err = lvssync.Unmarshal(raw)
	var out bytes.Buffer
	if err := watchSync(&fakeSync{[]lvssync.Datagram{d}}, 0, false, false, d.At, &out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"03:00:00.000 from fe80::1%s1: sync id 6, 5 connections",
		"  UDP [2001:db8::2]:42842 -> [2001:db8::10]:53 -> [2001:db8::20]:53 UDP Route,nooutput,inactive timeout=300s",
		"  template [2001:db8::2]:0 -> [2001:db8::10]:54 -> [2001:db8::21]:54 NONE Route,nooutput,inactive,template timeout=300s",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}
