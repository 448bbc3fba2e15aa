package netio

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rxMeta is what the kernel's control messages say about a received packet.
type rxMeta struct {
	ovfl    uint32 // SO_RXQ_OVFL: the socket's drop count so far
	hasOvfl bool
	stamp   int64 // SO_TIMESTAMPNS: when it arrived, Unix ns (wall clock); 0: absent
	// IPv6 only, where the socket is not handed the IP header:
	dst  netip.Addr // IPV6_PKTINFO: the destination address
	hops int        // IPV6_HOPLIMIT: the hop limit; 0: absent (and dropped as a bad TTL)
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
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			m.dst = netip.AddrFrom16([16]byte(data[:16]))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_HOPLIMIT && len(data) >= 4:
			m.hops = int(int32(binary.NativeEndian.Uint32(data)))
		}
		next := unix.CmsgSpace(n - hdr)
		if next > len(oob) {
			return m
		}
		oob = oob[next:]
	}
	return m
}
