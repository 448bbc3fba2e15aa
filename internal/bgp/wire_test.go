package bgp

import (
	"bytes"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
)

var (
	vip4 = netip.MustParseAddr("203.0.113.80")
	vip6 = netip.MustParseAddr("2001:db8::80")
)

func TestRequestRoundTrip(t *testing.T) {
	cfg := &Config{ASN: 65001, RouterID: netip.MustParseAddr("192.0.2.11"), Communities: []uint32{65001<<16 | 100},
		Peers: []Peer{{Address: netip.MustParseAddr("192.0.2.1"), ASN: 64512, Password: "p\"w<>", HoldTime: 3 * time.Second,
			BFD: &BFD{MinTx: 300 * time.Millisecond, MinRx: 300 * time.Millisecond, Multiplier: 3}}}}
	for _, r := range []Request{
		{ID: 1, Op: OpStart, Config: cfg, Watchdog: 3 * time.Second},
		{ID: 2, Op: OpAnnounce, VIPs: []netip.Addr{vip4, vip6}},
		{ID: 3, Op: OpWithdraw, VIPs: []netip.Addr{vip6}},
		{ID: 4, Op: OpPeers},
		{ID: 1 << 63, Op: OpPing},
	} {
		b, err := MarshalRequest(r)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(b, []byte("\n")) != 1 || b[len(b)-1] != '\n' {
			t.Errorf("%q: not one line", b)
		}
		got, err := UnmarshalRequest(b)
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		if b2, _ := MarshalRequest(got); !bytes.Equal(b, b2) {
			t.Errorf("round trip: %q became %q", b, b2)
		}
	}
}

func TestReplyRoundTrip(t *testing.T) {
	since := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	for _, r := range []Reply{
		{ID: 1},
		{ID: 2, Err: "bgp: announce 203.0.113.80/32: refused"},
		{ID: 3, Peers: []announce.PeerStatus{{Address: netip.MustParseAddr("192.0.2.1"), ASN: 64512, State: "established",
			Since: since, HoldTime: 3 * time.Second, BFD: "up"}}},
		{ID: 4, Peers: []announce.PeerStatus{}},
		{Log: &Log{Level: slog.LevelWarn, Msg: "peer down", Attrs: []string{"peer", "192.0.2.1", "reason", "hold timer expired"}}},
	} {
		b, err := MarshalReply(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalReply(b)
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		if b2, _ := MarshalReply(got); !bytes.Equal(b, b2) {
			t.Errorf("round trip: %q became %q", b, b2)
		}
	}
}

// Each line is refused, with an error containing the text.
func TestUnmarshalRequestRefuses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, "one JSON object"},
		{`[]`, "one JSON object"},
		{`{"id":1,"op":"ping"} {}`, "more than one"},
		{`{"id":1,"op":"ping"}}`, "more than one"},
		{`{"op":"ping"}`, "without an id"},
		{`{"id":1,"op":"reboot"}`, `unknown op "reboot"`},
		{`{"id":1,"op":"announce"}`, "of no VIP"},
		{`{"id":1,"op":"announce","vips":[""]}`, "not a VIP"},
		{`{"id":1,"op":"announce","vips":["fe80::1%eth0"]}`, "not a VIP"},
		{`{"id":1,"op":"announce","vips":["300.1.1.1"]}`, "decode"},
		{`{"id":1,"op":"peers","vips":["192.0.2.1"]}`, "takes no VIPs"},
		{`{"id":1,"op":"start"}`, "with a config"},
		{`{"id":1,"op":"ping","config":{}}`, "with a config"},
		{`{"id":1,"op":"ping","watchdog":5}`, "watchdog"},
		{`{"id":1,"op":"start","config":{},"watchdog":-1}`, "watchdog"},
		{`{"id":-1,"op":"ping"}`, "decode"},
		{`{"id":1,"op":"ping"` + strings.Repeat(" ", MaxLine) + `}`, "over"},
	} {
		if _, err := UnmarshalRequest([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("UnmarshalRequest(%.60q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
	// Fields it does not know are ignored (another version's).
	if r, err := UnmarshalRequest([]byte(`{"id":7,"op":"ping","later":true}`)); err != nil || r.ID != 7 {
		t.Errorf("an unknown field: %+v, %v", r, err)
	}
}

func TestUnmarshalReplyRefuses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{}`, "either"},
		{`{"id":1,"log":{"msg":"x"}}`, "either"},
		{`{"log":{"msg":"x","attrs":["k"]}}`, "malformed"},
		{`{"log":{"msg":"x"},"err":"y"}`, "malformed"},
		{`{"id":1,"peers":[{"address":"x"}]}`, "decode"},
	} {
		if _, err := UnmarshalReply([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("UnmarshalReply(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
	if _, err := MarshalReply(Reply{}); err == nil {
		t.Error("MarshalReply of an empty reply: no error")
	}
}

// Whatever it accepts, it encodes, and the encoding decodes to the same.
func FuzzUnmarshalRequest(f *testing.F) {
	f.Add([]byte(`{"id":1,"op":"start","config":{"ASN":65001,"RouterID":"192.0.2.11","Peers":[{"Address":"192.0.2.1","ASN":1,"BFD":{"MinTx":1,"MinRx":2,"Multiplier":3}}]},"watchdog":3000000000}`))
	f.Add([]byte(`{"id":2,"op":"announce","vips":["203.0.113.80","2001:db8::80"]}` + "\n"))
	f.Add([]byte(`{"id":3,"op":"peers"}`))
	f.Add([]byte(`{"id":1,"op":"ping"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalRequest(b)
		if err != nil {
			return
		}
		enc, err := MarshalRequest(r)
		if err != nil {
			t.Fatalf("accepted %q, cannot encode it: %v", b, err)
		}
		r2, err := UnmarshalRequest(enc)
		if err != nil {
			t.Fatalf("%q: its encoding %q is refused: %v", b, enc, err)
		}
		if enc2, _ := MarshalRequest(r2); !bytes.Equal(enc, enc2) {
			t.Fatalf("%q: %q then %q", b, enc, enc2)
		}
	})
}

func FuzzUnmarshalReply(f *testing.F) {
	f.Add([]byte(`{"id":3,"peers":[{"address":"192.0.2.1","asn":64512,"state":"established","since":"2026-12-06T02:00:00+01:00","hold_time":3000000000,"bfd":"up"}]}`))
	f.Add([]byte(`{"id":2,"err":"refused"}`))
	f.Add([]byte(`{"log":{"level":4,"msg":"peer down","attrs":["peer","192.0.2.1"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalReply(b)
		if err != nil {
			return
		}
		enc, err := MarshalReply(r)
		if err != nil {
			t.Fatalf("accepted %q, cannot encode it: %v", b, err)
		}
		r2, err := UnmarshalReply(enc)
		if err != nil {
			t.Fatalf("%q: its encoding %q is refused: %v", b, enc, err)
		}
		if enc2, _ := MarshalReply(r2); !bytes.Equal(enc, enc2) {
			t.Fatalf("%q: %q then %q", b, enc, enc2)
		}
	})
}
