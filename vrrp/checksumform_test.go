package vrrp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// refChecksumForm is refChecksum with the VRRPv3 form chosen: the
// message-only form sums the message alone, as VRRPv2 does.
func refChecksumForm(msg []byte, src, dst netip.Addr, form ChecksumForm) uint16 {
	if form != ChecksumMessageOnly || msg[0]>>4 != 3 {
		return refChecksum(msg, src, dst)
	}
	data := append(append(append([]byte(nil), msg[:6]...), 0, 0), msg[8:]...)
	return refFold(data)
}

func TestChecksumForms(t *testing.T) {
	src, dst := directorA, Group
	v3 := Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100, vip101}}
	v2 := Packet{Version: 2, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}
	for _, tc := range []struct {
		name string
		p    Packet
		form ChecksumForm
	}{
		{"v3 rfc5798", v3, ChecksumRFC5798},
		{"v3 message-only", v3, ChecksumMessageOnly},
		{"v2 rfc5798", v2, ChecksumRFC5798},
		{"v2 message-only", v2, ChecksumMessageOnly},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.p.MarshalForm(src, dst, tc.form)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := binary.BigEndian.Uint16(b[6:]), refChecksumForm(b, src, dst, tc.form); got != want {
				t.Errorf("checksum %#04x, reference %#04x", got, want)
			}
			var p Packet
			if err := p.UnmarshalForm(b, src, dst, tc.form); err != nil {
				t.Fatalf("decoding in its own form: %v", err)
			}
			other := ChecksumRFC5798 + ChecksumMessageOnly - tc.form
			err = p.UnmarshalForm(b, src, dst, other)
			if tc.p.Version == 2 {
				// VRRPv2 has the one form, whatever is asked.
				if err != nil {
					t.Errorf("v2 decoded as %v: %v", other, err)
				}
				if b2, _ := tc.p.MarshalForm(src, dst, other); !bytes.Equal(b, b2) {
					t.Errorf("v2 encodes differently as %v", other)
				}
				return
			}
			if r, _ := DropReason(err); r != ReasonChecksum {
				t.Errorf("v3 %v checksum decoded as %v: error %v, want a checksum drop", tc.form, other, err)
			}
		})
	}
	// The message-only form needs no IPv4 addresses; RFC 5798's does.
	b, err := v3.MarshalForm(netip.Addr{}, netip.Addr{}, ChecksumMessageOnly)
	if err != nil {
		t.Fatalf("message-only without addresses: %v", err)
	}
	if _, err := Unmarshal(b, directorA, Group); err == nil {
		t.Error("a message-only checksum passed as RFC 5798's")
	}
	var p Packet
	if err := p.UnmarshalForm(b, netip.Addr{}, netip.Addr{}, ChecksumMessageOnly); err != nil {
		t.Errorf("message-only decoding without addresses: %v", err)
	}
	if _, err := v3.MarshalForm(src, dst, ChecksumForm(7)); err == nil {
		t.Error("an unknown checksum form was encoded")
	}
}

// FuzzUnmarshalForm is FuzzUnmarshal for either checksum form: whatever
// UnmarshalForm accepts re-encodes, in the same form, to the same message.
func FuzzUnmarshalForm(f *testing.F) {
	for _, c := range allCaptures(f) {
		for _, form := range []ChecksumForm{ChecksumRFC5798, ChecksumMessageOnly} {
			f.Add(c.msg, addrToUint32(c.src), addrToUint32(c.dst), uint8(form), false)
			f.Add(c.msg, addrToUint32(c.src), addrToUint32(c.dst), uint8(form), true)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, srcBits, dstBits uint32, formBits uint8, fix bool) {
		src, dst := addrFromUint32(srcBits), addrFromUint32(dstBits)
		form := ChecksumForm(formBits % 2)
		if fix && len(b) >= headerLen {
			binary.BigEndian.PutUint16(b[6:8], refChecksumForm(b, src, dst, form))
		}
		var p Packet
		if err := p.UnmarshalForm(b, src, dst, form); err != nil {
			var de *DropError
			if !errors.As(err, &de) || de.Reason.String() == "unknown" {
				t.Fatalf("error %v (%T) is not a *DropError with a known reason", err, err)
			}
			return
		}
		out, err := p.MarshalForm(src, dst, form)
		if err != nil {
			t.Fatalf("accepted %x but cannot re-encode %+v: %v", b, p, err)
		}
		norm := bytes.Clone(b)
		if p.Version == 3 {
			norm[4] &= 0x0f
		}
		if !bytes.Equal(out[:6], norm[:6]) || !bytes.Equal(out[8:], norm[8:]) {
			t.Fatalf("re-encoded\n%x\nfrom\n%x", out, b)
		}
		var q Packet
		if err := q.UnmarshalForm(out, src, dst, form); err != nil {
			t.Fatalf("cannot decode our own %v encoding %x: %v", form, out, err)
		}
		p.Checksum, q.Checksum = 0, 0
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip\n%+v\nbecame\n%+v", p, q)
		}
	})
}
