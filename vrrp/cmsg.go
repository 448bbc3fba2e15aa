package vrrp

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rxqOverflow finds the SO_RXQ_OVFL count among control messages. It walks
// the headers in place: x/sys's parser allocates a slice per call, and the
// reader calls this for every advert received.
func rxqOverflow(oob []byte) (uint32, bool) {
	hdr := unix.CmsgLen(0)
	for len(oob) >= hdr {
		var h unix.Cmsghdr
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr), oob)
		n := int(h.Len)
		if n < hdr || n > len(oob) {
			return 0, false
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && n-hdr >= 4 {
			return binary.NativeEndian.Uint32(oob[hdr:]), true
		}
		next := unix.CmsgSpace(n - hdr)
		if next > len(oob) {
			return 0, false
		}
		oob = oob[next:]
	}
	return 0, false
}
