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

// FuzzRxqOverflow checks the in-place walk against x/sys's parser: the same
// count, or none, for any bytes.
func FuzzRxqOverflow(f *testing.F) {
	count := binary.NativeEndian.AppendUint32(nil, 7)
	ttl := cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{255, 0, 0, 0})
	f.Add(cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, count))
	f.Add(append(append([]byte(nil), ttl...), cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, count)...))
	f.Add(ttl)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, oob []byte) {
		got, ok := rxqOverflow(oob)
		cms, err := unix.ParseSocketControlMessage(oob)
		if err != nil {
			return // malformed (the kernel writes none): only no panic is asked
		}
		var want uint32
		var wok bool
		for _, cm := range cms {
			if cm.Header.Level == unix.SOL_SOCKET && cm.Header.Type == unix.SO_RXQ_OVFL && len(cm.Data) >= 4 {
				want, wok = binary.NativeEndian.Uint32(cm.Data), true
				break
			}
		}
		if wok && (got != want || !ok) {
			t.Fatalf("rxqOverflow = %d, %v; x/sys finds %d", got, ok, want)
		}
		if !wok && ok {
			t.Fatalf("rxqOverflow = %d, true; x/sys finds none", got)
		}
	})
}

// The receive path's control-message walk allocates nothing.
func TestRxqOverflowAllocs(t *testing.T) {
	oob := append(cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{255, 0, 0, 0}), cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, binary.NativeEndian.AppendUint32(nil, 7))...)
	if n := testing.AllocsPerRun(100, func() { rxqOverflow(oob) }); n != 0 {
		t.Errorf("rxqOverflow allocates %v times per call, want 0", n)
	}
}
