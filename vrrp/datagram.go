package vrrp

import "net/netip"

// RecvInfo is what the IP layer tells about a received advert.
type RecvInfo struct {
	Src, Dst netip.Addr
	TTL      int
	Stamp    int64 // when the kernel received it (SO_TIMESTAMPNS), Unix ns; 0: unknown
}

// Received is one packet as a raw IPv4 socket delivered it: the VRRP
// message and what its IP header and the kernel said, or, in Err, why it
// cannot be an advert (a ReasonTruncated DropError).
type Received struct {
	Msg  []byte
	Info RecvInfo
	Err  error
}

// Outgoing is one encoded advert and its addresses.
type Outgoing struct {
	B        []byte
	Src, Dst netip.Addr
}

// HeaderLen is the length of a VRRP message before its addresses.
const HeaderLen = headerLen
