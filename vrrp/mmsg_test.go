package vrrp

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

// The kernel's drop count is found among the IP control messages, and
// absent when the kernel sent none.
func TestRxqOverflow(t *testing.T) {
	count := binary.NativeEndian.AppendUint32(nil, 7)
	ttl := cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{255, 0, 0, 0})
	cases := []struct {
		name string
		oob  []byte
		want uint32
		ok   bool
	}{
		{"alone", cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, count), 7, true},
		{"after the TTL", append(append([]byte(nil), ttl...), cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, count)...), 7, true},
		{"none", ttl, 0, false},
		{"empty", nil, 0, false},
		{"truncated", cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, count)[:10], 0, false},
	}
	for _, c := range cases {
		got, ok := rxqOverflow(c.oob)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: rxqOverflow = %d, %v; want %d, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}
