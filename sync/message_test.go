package sync

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// captures reads testdata/kernel-*.hex: one message per line in hex,
// # comments.
func captures(tb testing.TB) map[string][][]byte {
	tb.Helper()
	files, err := filepath.Glob("testdata/kernel-*.hex")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no kernel captures: %v", err)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			b, err := hex.DecodeString(line)
			if err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
			out[filepath.Base(f)] = append(out[filepath.Base(f)], b)
		}
	}
	return out
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// TestKernelCapture decodes a message the kernel sent and re-encodes it to
// the same bytes.
func TestKernelCapture(t *testing.T) {
	raw := captures(t)["kernel-udp-template.hex"][0]
	m, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	fl := Flags(0x183) // Route, nooutput, inactive
	tmpl := Conn{Protocol: 17, Flags: fl | FlagTemplate, Client: ap("192.0.2.2:0"), Virtual: ap("192.0.2.10:54"), Real: ap("192.0.2.21:54"), Timeout: 300}
	want := Message{SyncID: 9, Conns: []Conn{
		{Protocol: 17, Flags: fl, Client: ap("192.0.2.2:41681"), Virtual: ap("192.0.2.10:53"), Real: ap("192.0.2.20:53"), Timeout: 300},
		tmpl, tmpl,
		{Protocol: 17, Flags: fl, Client: ap("192.0.2.2:53488"), Virtual: ap("192.0.2.10:54"), Real: ap("192.0.2.21:54"), Timeout: 300},
		tmpl,
	}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", m, want)
	}
	out, err := m.Marshal()
	if err != nil || !bytes.Equal(out, raw) {
		t.Errorf("re-encoded\n%x (%v)\nkernel\n%x", out, err, raw)
	}
	if got := m.Conns[0].String(); got != "UDP 192.0.2.2:41681 -> 192.0.2.10:53 -> 192.0.2.20:53 UDP Route,nooutput,inactive timeout=300s" {
		t.Errorf("String: %q", got)
	}
	if got := m.Conns[1].String(); !strings.HasPrefix(got, "template 192.0.2.2:0 -> 192.0.2.10:54 -> 192.0.2.21:54 NONE Route,nooutput,inactive,template") {
		t.Errorf("template String: %q", got)
	}
}

// TestKernelCaptureIPv6 decodes a message of IPv6 records the kernel sent
// on an IPv6 sync group and re-encodes it to the same bytes.
func TestKernelCaptureIPv6(t *testing.T) {
	raw := captures(t)["kernel-udp6-template.hex"][0]
	m, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	fl := Flags(0x183) // Route, nooutput, inactive
	tmpl := Conn{Protocol: 17, Flags: fl | FlagTemplate, Client: ap("[2001:db8::2]:0"), Virtual: ap("[2001:db8::10]:54"), Real: ap("[2001:db8::21]:54"), Timeout: 300}
	want := Message{SyncID: 6, Conns: []Conn{
		{Protocol: 17, Flags: fl, Client: ap("[2001:db8::2]:42842"), Virtual: ap("[2001:db8::10]:53"), Real: ap("[2001:db8::20]:53"), Timeout: 300},
		tmpl, tmpl,
		{Protocol: 17, Flags: fl, Client: ap("[2001:db8::2]:48124"), Virtual: ap("[2001:db8::10]:54"), Real: ap("[2001:db8::21]:54"), Timeout: 300},
		tmpl,
	}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", m, want)
	}
	for i, c := range m.Conns {
		if !c.IPv6() || c.recordLen() != connV6Len {
			t.Errorf("record %d: IPv6 %v, %d bytes, want an IPv6 record of %d", i, c.IPv6(), c.recordLen(), connV6Len)
		}
	}
	if out, err := m.Marshal(); err != nil || !bytes.Equal(out, raw) {
		t.Errorf("re-encoded\n%x (%v)\nkernel\n%x", out, err, raw)
	}
	if got := m.Conns[0].String(); got != "UDP [2001:db8::2]:42842 -> [2001:db8::10]:53 -> [2001:db8::20]:53 UDP Route,nooutput,inactive timeout=300s" {
		t.Errorf("String: %q", got)
	}
}

func TestKernelCaptureTCP(t *testing.T) {
	raw := captures(t)["kernel-tcp.hex"][0]
	m, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := Message{SyncID: 7, Conns: []Conn{{Protocol: 6, Flags: 0x83, State: 1,
		Client: ap("198.51.100.2:33628"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.12:80"), Timeout: 900}}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", m, want)
	}
	if out, err := m.Marshal(); err != nil || !bytes.Equal(out, raw) {
		t.Errorf("re-encoded\n%x (%v)\nkernel\n%x", out, err, raw)
	}
	if got := m.Conns[0].String(); got != "TCP 198.51.100.2:33628 -> 192.0.2.10:80 -> 192.0.2.12:80 ESTABLISHED Route,nooutput timeout=900s" {
		t.Errorf("String: %q", got)
	}
}

// TestRoundTrip encodes messages with every field and option, including
// IPv6 and records that need padding, and decodes them back.
func TestRoundTrip(t *testing.T) {
	seq := &SeqData{In: Seq{1, 2, 3}, Out: Seq{4, 5, 6}}
	cases := []Message{
		{SyncID: 0},
		{SyncID: 255, Conns: []Conn{{Protocol: 6, Flags: 0x3, State: 1, Client: ap("198.51.100.7:40000"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:80"), Timeout: 900}}},
		{SyncID: 1, Conns: []Conn{
			{Protocol: 6, Flags: FlagInSeq | FlagOutSeq, State: 1, Client: ap("198.51.100.7:1"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:8080"), Seq: seq, FWMark: 7, Timeout: 1},
			{Protocol: 17, Client: ap("[2001:db8::1]:5060"), Virtual: ap("[2001:db8::10]:5060"), Real: ap("[2001:db8::11]:5060"), PEData: []byte("call-1"), PEName: "sip"},
			{Protocol: 132, State: 7, Client: ap("198.51.100.7:2"), Virtual: ap("192.0.2.10:9"), Real: ap("192.0.2.12:9"), Extra: []Option{{Type: OptFlagParam | 9, Data: []byte{1, 2, 3}}}},
			{Protocol: 6, State: 5, Client: ap("198.51.100.8:3"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:80"), PEData: []byte{0}},
		}},
	}
	for i, m := range cases {
		b, err := m.Marshal()
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		off := HeaderLen
		for _, c := range m.Conns { // every record starts 4-aligned
			if off%4 != 0 {
				t.Errorf("%d: record at %d", i, off)
			}
			off += (c.recordLen() + 3) &^ 3
		}
		got, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("%d: %v (%x)", i, err, b)
		}
		if m.Conns == nil {
			m.Conns = nil
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%d: decoded\n%+v\nwant\n%+v", i, got, m)
		}
	}
}

func TestMarshalRefuses(t *testing.T) {
	v4 := Conn{Client: ap("192.0.2.1:1"), Virtual: ap("192.0.2.2:2"), Real: ap("192.0.2.3:3")}
	mixed := v4
	mixed.Real = ap("[2001:db8::3]:3")
	longName := v4
	longName.PEName = strings.Repeat("x", 17)
	known := v4
	known.Extra = []Option{{Type: OptSeqData, Data: []byte{1}}}
	empty := v4
	empty.Extra = []Option{{Type: 9}}
	for name, c := range map[string]Conn{"mixed families": mixed, "long pe name": longName, "known option in Extra": known, "empty option": empty, "zero": {}} {
		if _, err := (Message{Conns: []Conn{c}}).Marshal(); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	if _, err := (Message{Conns: make([]Conn, 256)}).Marshal(); err == nil {
		t.Error("256 connections encoded")
	}
}

// TestUnmarshalRejects feeds what the kernel's backup thread drops.
func TestUnmarshalRejects(t *testing.T) {
	good, _ := Message{SyncID: 3, Conns: []Conn{{Protocol: 6, State: 1, Client: ap("198.51.100.7:1"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:80")}}}.Marshal()
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	setSize := func(b []byte) []byte { b[2], b[3] = byte(len(b)>>8), byte(len(b)); return b }
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"header only, cut", good[:7], ErrShort},
		{"size field off", mod(func(b []byte) []byte { b[3]++; return b }), ErrSize},
		{"version 0 header", mod(func(b []byte) []byte { b[5] = 0; return b }), ErrV0},
		{"reserved set", mod(func(b []byte) []byte { b[0] = 1; return b }), ErrV0},
		{"spare set", mod(func(b []byte) []byte { b[7] = 1; return b }), ErrV0},
		{"more records than bytes", mod(func(b []byte) []byte { b[4] = 2; return b }), ErrRecord},
		{"record size past end", mod(func(b []byte) []byte { b[8+3] = 40; return b }), ErrRecord},
		{"record version 1", mod(func(b []byte) []byte { b[8+2] |= 0x10; return b }), ErrVersion},
		{"unknown type", mod(func(b []byte) []byte { b[8] = 2; return b }), ErrRecord},
		{"v6 type in a v4-sized record", mod(func(b []byte) []byte { b[8] = 1; return b }), ErrRecord},
		{"option cut short", mod(func(b []byte) []byte {
			b = append(b, OptPEData)
			b[8+3]++
			return setSize(b)
		}), ErrRecord},
		{"zero-length option", mod(func(b []byte) []byte {
			b = append(b, OptPEData, 0)
			b[8+3] += 2
			return setSize(b)
		}), ErrRecord},
		{"sequence option of the wrong length", mod(func(b []byte) []byte {
			b = append(b, OptSeqData, 4, 0, 0, 0, 0)
			b[8+3] += 6
			return setSize(b)
		}), ErrRecord},
		{"pe name too long", mod(func(b []byte) []byte {
			b = append(b, OptPEName, 17)
			b = append(b, make([]byte, 17)...)
			b[8+3] += 19
			return setSize(b)
		}), ErrRecord},
	}
	// IPv6 records: 72 bytes before the options.
	good6, _ := Message{SyncID: 3, Conns: []Conn{{Protocol: 6, State: 1, Client: ap("[2001:db8::7]:1"), Virtual: ap("[2001:db8::10]:80"), Real: ap("[2001:db8::11]:80")}}}.Marshal()
	mod6 := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good6)) }
	cases = append(cases, []struct {
		name string
		b    []byte
		want error
	}{
		{"v6 record cut to a v4 record's size", mod6(func(b []byte) []byte { b[8+3] = connV4Len; return setSize(b[:8+connV4Len]) }), ErrRecord},
		{"v6 record cut short of its addresses", mod6(func(b []byte) []byte { b[8+3] = connV6Len - 4; return setSize(b[:8+connV6Len-4]) }), ErrRecord},
		{"v6 record with its type cleared", mod6(func(b []byte) []byte { b[8] = 0; return b }), ErrRecord},
		{"v6 record size past end", mod6(func(b []byte) []byte { b[8+3] = connV6Len + 4; return b }), ErrRecord},
	}...)
	for _, c := range cases {
		_, err := Unmarshal(c.b)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	if m, err := Unmarshal(good6); err != nil || !m.Conns[0].IPv6() {
		t.Fatalf("the good IPv6 message: %+v %v", m, err)
	}
	if _, err := Unmarshal(good); err != nil {
		t.Fatalf("the good message: %v", err)
	}
}

// FuzzUnmarshal: never panics; what is accepted re-encodes and decodes to
// the same message, and the re-encoding is byte-identical up to what the
// encoder normalises (option flag bits on known options, padding bytes).
func FuzzUnmarshal(f *testing.F) {
	for _, msgs := range captures(f) {
		for _, b := range msgs {
			f.Add(b)
		}
	}
	seq := &SeqData{In: Seq{1, 2, 3}, Out: Seq{4, 5, 6}}
	for _, m := range []Message{
		{SyncID: 1, Conns: []Conn{{Protocol: 6, Flags: 0x603, State: 1, Client: ap("198.51.100.7:1"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:80"), Seq: seq}}},
		{Conns: []Conn{{Protocol: 17, Client: ap("[2001:db8::1]:5060"), Virtual: ap("[2001:db8::10]:5060"), Real: ap("[2001:db8::11]:5060"), PEData: []byte("c"), PEName: "sip"}}},
	} {
		b, err := m.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Unmarshal(b)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("accepted %x but cannot re-encode %+v: %v", b, m, err)
		}
		again, err := Unmarshal(out)
		if err != nil {
			t.Fatalf("re-encoding %x does not decode: %v", out, err)
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("decoded\n%+v\nthen\n%+v", m, again)
		}
		for _, c := range m.Conns {
			_ = c.String()
		}
	})
}
