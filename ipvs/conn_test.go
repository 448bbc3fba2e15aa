package ipvs

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A table as kernel 6.1 writes it: a connection, a persistence template,
// an IPv6 connection and a SIP one with persistence-engine data.
const connSample = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C000020B 9C40 C000020A 0050 C633640B 0050 ESTABLISHED     899
IP  C000020B 0000 C000020A 0050 C633640B 0050 NONE            299
UDP 2001:0db8:0000:0000:0000:0000:0000:0001 D431 2001:0db8:0000:0000:0000:0000:0000:000a 0035 2001:0db8:0000:0000:0000:0000:0000:0063 0035 UDP               5
UDP C000020B 13C4 C000020A 13C4 C633640C 13C4 UDP              61 sip abc@example
`

func TestParseAndFormatConns(t *testing.T) {
	conns, err := ParseConns(strings.NewReader(connSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 4 {
		t.Fatalf("%d connections, want 4", len(conns))
	}
	c := conns[0]
	if c.Protocol != "TCP" || c.Client.String() != "192.0.2.11:40000" || c.Virtual.String() != "192.0.2.10:80" ||
		c.Dest.String() != "198.51.100.11:80" || c.State != "ESTABLISHED" || c.Expires != 899*time.Second {
		t.Errorf("first: %+v", c)
	}
	if c := conns[3]; c.PEName != "sip" || c.PEData != "abc@example" {
		t.Errorf("pe: %+v", c)
	}
	var b strings.Builder
	if err := FormatConns(&b, conns); err != nil {
		t.Fatal(err)
	}
	// What ipvsadm 1.31 -Lnc prints for the same file.
	want := `IPVS connection entries
pro expire state       source             virtual            destination
TCP 14:59  ESTABLISHED 192.0.2.11:40000   192.0.2.10:80      198.51.100.11:80
IP  04:59  NONE        192.0.2.11:0       192.0.2.10:80      198.51.100.11:80
UDP 00:05  UDP         [2001:db8::1]:54321 [2001:db8::a]:53   [2001:db8::63]:53
UDP 01:01  UDP         192.0.2.11:5060    192.0.2.10:5060    198.51.100.12:5060
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseConnsErrors(t *testing.T) {
	title := "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
	for _, tc := range []struct{ name, in, want string }{
		{"no title", "TCP C000020B 9C40 C000020A 0050 C633640B 0050 ESTABLISHED 899\n", "line 1: not the title"},
		{"few fields", title + "TCP C000020B 9C40 C000020A 0050\n", "line 2: 5 fields"},
		{"bad client", title + "TCP C00002 9C40 C000020A 0050 C633640B 0050 ESTABLISHED 899\n", "line 2: client: address"},
		{"bad port", title + "TCP C000020B 9C4 C000020A 0050 C633640B 0050 ESTABLISHED 899\n", "client: port"},
		{"bad v6", title + "TCP fe80::1%eth0 9C40 C000020A 0050 C633640B 0050 ESTABLISHED 899\n", "not IPv6"},
		{"bad dest", title + "TCP C000020B 9C40 C000020A 0050 C633640B 005G ESTABLISHED 899\n", "destination: port"},
		{"bad expiry", title + "TCP C000020B 9C40 C000020A 0050 C633640B 0050 ESTABLISHED -1\n", "expires"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConns(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzParseConns: the parser never panics, and what it accepts formats and
// re-parses to the same connections once written back in the kernel's form.
func FuzzParseConns(f *testing.F) {
	f.Add(connSample)
	f.Add("Pro x\n")
	f.Add("Pro\nTCP 00000000 0000 00000000 0000 00000000 0000 X 0\n")
	f.Fuzz(func(t *testing.T, in string) {
		conns, err := ParseConns(strings.NewReader(in))
		if err != nil {
			return
		}
		var b strings.Builder
		b.WriteString("Pro FromIP\n")
		for _, c := range conns {
			b.WriteString(kernelConnLine(c))
		}
		again, err := ParseConns(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", b.String(), err)
		}
		if len(again) != len(conns) {
			t.Fatalf("%d then %d connections", len(conns), len(again))
		}
		for i := range conns {
			if again[i] != conns[i] {
				t.Fatalf("%+v became %+v", conns[i], again[i])
			}
		}
		_ = FormatConns(&strings.Builder{}, conns)
	})
}

// kernelConnLine writes c as ip_vs_conn_seq_show does.
func kernelConnLine(c Conn) string {
	addr := func(ap netip.AddrPort) string {
		if ap.Addr().Is4() {
			b := ap.Addr().As4()
			return fmt.Sprintf("%08X %04X", binary.BigEndian.Uint32(b[:]), ap.Port())
		}
		return fmt.Sprintf("%s %04X", ap.Addr().StringExpanded(), ap.Port())
	}
	line := fmt.Sprintf("%-3s %s %s %s %-11s %7d", c.Protocol, addr(c.Client), addr(c.Virtual), addr(c.Dest),
		c.State, int64(c.Expires/time.Second))
	if c.PEName != "" {
		line += " " + c.PEName + " " + c.PEData
	}
	return line + "\n"
}
