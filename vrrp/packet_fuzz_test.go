package vrrp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

func addrFromUint32(v uint32) netip.Addr {
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], v)
	return netip.AddrFrom4(a)
}

func addrToUint32(a netip.Addr) uint32 {
	a4 := a.As4()
	return binary.BigEndian.Uint32(a4[:])
}

// FuzzUnmarshal checks that Unmarshal never panics, fails only with a *DropError of a known
// reason, and that whatever it accepts re-encodes to the same message (v3 reserved bits
// aside) and decodes again to an equal Packet. With fix set, the input's checksum is made
// correct first, so that mutations explore what lies behind the checksum check.
func FuzzUnmarshal(f *testing.F) {
	for _, c := range allCaptures(f) {
		f.Add(c.msg, addrToUint32(c.src), addrToUint32(c.dst), false)
		f.Add(c.msg, addrToUint32(c.src), addrToUint32(c.dst), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, srcBits, dstBits uint32, fix bool) {
		src, dst := addrFromUint32(srcBits), addrFromUint32(dstBits)
		if fix && len(b) >= headerLen {
			fixChecksum(b, src, dst)
		}
		roundTrip(t, b, src, dst)
	})
}

// roundTrip is the fuzz targets' check of one input: Unmarshal fails only
// with a *DropError of a known reason, and whatever it accepts re-encodes
// to the same message (v3 reserved bits aside), decodes again to an equal
// Packet, and is accepted by an instance configured as it says.
func roundTrip(t *testing.T, b []byte, src, dst netip.Addr) {
	p, err := Unmarshal(b, src, dst)
	if err != nil {
		var de *DropError
		if !errors.As(err, &de) || de.Reason.String() == "unknown" {
			t.Fatalf("error %v (%T) is not a *DropError with a known reason", err, err)
		}
		return
	}
	if p.IPv6 != is6(src) || (p.IPv6 && p.Version != 3) {
		t.Fatalf("decoded IPv6=%v version %d from source %v", p.IPv6, p.Version, src)
	}
	out, err := p.Marshal(src, dst)
	if err != nil {
		t.Fatalf("accepted %x but cannot re-encode %+v: %v", b, p, err)
	}
	if len(out) != p.Len() {
		t.Fatalf("Marshal wrote %d bytes, Len says %d", len(out), p.Len())
	}
	// Same bytes, except that the v3 reserved bits are cleared and the checksum then
	// changes with them; a checksum of 0 may have arrived as 0xffff.
	norm := bytes.Clone(b)
	if p.Version == 3 {
		norm[4] &= 0x0f
	}
	if !bytes.Equal(out[:6], norm[:6]) || !bytes.Equal(out[8:], norm[8:]) {
		t.Fatalf("re-encoded\n%x\nfrom\n%x", out, b)
	}
	gotSum, inSum := binary.BigEndian.Uint16(out[6:]), binary.BigEndian.Uint16(b[6:])
	if norm[4] == b[4] && gotSum != inSum && !(gotSum == 0 && inSum == 0xffff) {
		t.Fatalf("re-encoded checksum %#04x, received %#04x", gotSum, inSum)
	}
	q, err := Unmarshal(out, src, dst)
	if err != nil {
		t.Fatalf("cannot decode our own encoding %x: %v", out, err)
	}
	p.Checksum, q.Checksum = 0, 0
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip\n%+v\nbecame\n%+v", p, q)
	}
	// An instance configured exactly as the advert describes accepts it.
	e := Expect{Version: p.Version, VRID: p.VRID, AdvertInterval: p.AdvertInterval,
		AuthType: p.AuthType, Password: p.Password, VIPs: p.Addrs, IPv6: p.IPv6, Unicast: true}
	if mis, err := AcceptFrom(p, src, 255, e); err != nil || mis != MismatchNone {
		t.Fatalf("Accept of a matching instance: %v, mismatch %v", err, mis)
	}
}

// FuzzSplitIPv4 checks that the receive path's IPv4 header parser never
// panics and returns a payload inside the packet it was given.
func FuzzSplitIPv4(f *testing.F) {
	for _, c := range allCaptures(f) {
		h := binary.BigEndian.AppendUint16([]byte{0x45, c.tos}, uint16(20+len(c.msg)))
		h = append(h, 0, 0, 0, 0, c.ttl, ProtocolNumber, 0, 0)
		h = append(append(h, c.src.AsSlice()...), c.dst.AsSlice()...)
		f.Add(append(h, c.msg...))
	}
	f.Add([]byte{0x45, 0xc0, 0x00, 0x14, 0, 0, 0, 0, 0xff, 112, 0, 0, 192, 0, 2, 1, 224, 0, 0, 18})
	f.Add([]byte{0x4f, 0, 0, 0x3c})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, _, ttl, err := SplitIPv4(b)
		if err != nil {
			return
		}
		if len(p) > len(b)-20 || ttl < 0 || ttl > 255 {
			t.Fatalf("payload %d bytes from %d, ttl %d", len(p), len(b), ttl)
		}
		if hl := int(b[0]&0x0f) * 4; len(p) > 0 && &p[0] != &b[hl] {
			t.Fatalf("payload is not the packet's bytes after the header")
		}
	})
}
