package pcapfile

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// ipv6Frame builds an Ethernet frame carrying an IPv6 header (traffic class 0xc0, hop
// limit 255, next header 112, fe80::11 to ff02::12) with the given payload length field.
func ipv6Frame(plen int, payload []byte, pad int) []byte {
	b := []byte{0x33, 0x33, 0, 0, 0, 0x12, 0x02, 0, 0, 0, 0, 0x11, 0x86, 0xdd}
	h := make([]byte, 40)
	binary.BigEndian.PutUint32(h, 6<<28|0xc0<<20|0x12345)
	binary.BigEndian.PutUint16(h[4:], uint16(plen))
	h[6], h[7] = 112, 255
	h[8], h[9], h[23] = 0xfe, 0x80, 0x11
	h[24], h[25], h[39] = 0xff, 0x02, 0x12
	b = append(b, h...)
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

func TestIPv6(t *testing.T) {
	payload := []byte{0x31, 0x33, 0x96, 0x01}
	for _, tc := range []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{name: "plain", data: ipv6Frame(4, payload, 0)},
		{name: "padding dropped", data: ipv6Frame(4, payload, 20)},
		{name: "ipv4", data: ipv4Frame(false, 20, 24, payload, 0), wantErr: "not IPv6"},
		{name: "short ip", data: ipv6Frame(4, payload, 0)[:40], wantErr: "shorter than the header"},
		{name: "version 4", data: func() []byte { b := ipv6Frame(4, payload, 0); b[14] = 0x4c; return b }(), wantErr: "version 4"},
		{name: "payload beyond capture", data: ipv6Frame(8, payload, 0), wantErr: "payload length 8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ip, err := Frame{Data: tc.data}.IPv6()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ip.Payload, payload) {
				t.Errorf("payload %x, want %x", ip.Payload, payload)
			}
			if ip.Src.String() != "fe80::11" || ip.Dst.String() != "ff02::12" || ip.HopLimit != 255 || ip.TrafficClass != 0xc0 || ip.NextHeader != 112 {
				t.Errorf("fields %+v", ip)
			}
		})
	}
}
