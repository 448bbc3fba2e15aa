package netio

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rxMeta is what the kernel's control messages say about a received packet.
type rxMeta struct {
	ovfl    uint32 // SO_RXQ_OVFL: the socket's drop count so far
	hasOvfl bool
	stamp   int64 // SO_TIMESTAMPNS: when it arrived, Unix ns (wall clock); 0: absent
}

// parseRx reads the control messages of one received packet. It walks the
// headers in place: x/sys's parser allocates a slice per call, and the
// reader calls this for every advert received.
func parseRx(oob []byte) rxMeta {
	var m rxMeta
	hdr := unix.CmsgLen(0)
	for len(oob) >= hdr {
		var h unix.Cmsghdr
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr), oob)
		n := int(h.Len)
		if n < hdr || n > len(oob) {
			return m
		}
		data := oob[hdr:n]
		switch {
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && len(data) >= 4:
			m.ovfl, m.hasOvfl = binary.NativeEndian.Uint32(data), true
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(data) >= int(unsafe.Sizeof(unix.Timespec{})):
			var ts unix.Timespec
			copy(unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts)), data)
			m.stamp = ts.Nano()
		}
		next := unix.CmsgSpace(n - hdr)
		if next > len(oob) {
			return m
		}
		oob = oob[next:]
	}
	return m
}
