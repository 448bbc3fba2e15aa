package ipvs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/moby/ipvs"
)

// The netlink framing both paths share, and the read path's wire format:
// IPVS generic netlink dump requests and the kernel's replies, as
// include/uapi/linux/ip_vs.h lays them out (the writes are in genlreq.go).
// Pure functions on byte slices; the socket is in genl_linux.go.

const (
	genlVersion = 1 // IPVS_GENL_VERSION

	cmdGetService = 4 // IPVS_CMD_GET_SERVICE
	cmdGetDest    = 8 // IPVS_CMD_GET_DEST

	cmdAttrService = 1 // IPVS_CMD_ATTR_SERVICE, nested service attributes
	cmdAttrDest    = 2 // IPVS_CMD_ATTR_DEST, nested destination attributes

	svcAttrAF       = 1  // u16
	svcAttrProtocol = 2  // u16
	svcAttrAddr     = 3  // union nf_inet_addr, 16 bytes (4 for IPv4 is accepted)
	svcAttrPort     = 4  // be16
	svcAttrFWMark   = 5  // u32
	svcAttrSched    = 6  // NUL-terminated string
	svcAttrFlags    = 7  // struct ip_vs_flags {u32 flags; u32 mask}
	svcAttrTimeout  = 8  // u32
	svcAttrNetmask  = 9  // u32
	svcAttrStats    = 10 // nested, 32-bit counters
	svcAttrPEName   = 11 // NUL-terminated string

	dstAttrAddr     = 1  // union nf_inet_addr
	dstAttrPort     = 2  // be16
	dstAttrFwd      = 3  // u32
	dstAttrWeight   = 4  // u32
	dstAttrUThresh  = 5  // u32
	dstAttrLThresh  = 6  // u32
	dstAttrActive   = 7  // u32
	dstAttrInact    = 8  // u32
	dstAttrStats    = 10 // nested
	dstAttrAF       = 11 // u16, absent before Linux 5.3 (then the service's)
	statConns       = 1  // u32
	statInPkts      = 2  // u32
	statOutPkts     = 3  // u32
	statInBytes     = 4  // u64
	statOutBytes    = 5  // u64
	statCPS         = 6  // u32
	statInPPS       = 7  // u32
	statOutPPS      = 8  // u32
	statInBPS       = 9  // u32
	statOutBPS      = 10 // u32
	nlmsgHdrLen     = 16
	genlHdrLen      = 4
	nlaHdrLen       = 4
	nlaFlagsMask    = 0x3fff // nla_type without NLA_F_NESTED and NLA_F_NET_BYTEORDER
	nlmsgAlignTo    = 4
	nlmsgErrorType  = 2 // NLMSG_ERROR
	nlmsgDoneType   = 3 // NLMSG_DONE
	nlmFRequest     = 0x1
	nlmFDump        = 0x300 // NLM_F_ROOT|NLM_F_MATCH
	nlmFMulti       = 0x2
	nlaFNested      = 0x8000
	ipv4AddrLen     = 4
	ipv6AddrLen     = 16
	nfInetAddrBytes = 16
)

var ne = binary.NativeEndian

func align4(n int) int { return (n + nlmsgAlignTo - 1) &^ (nlmsgAlignTo - 1) }

// appendAttr appends one netlink attribute, padded to 4 bytes.
func appendAttr(b []byte, typ uint16, v []byte) []byte {
	b = ne.AppendUint16(b, uint16(nlaHdrLen+len(v)))
	b = ne.AppendUint16(b, typ)
	b = append(b, v...)
	for i := len(v); i < align4(len(v)); i++ {
		b = append(b, 0)
	}
	return b
}

// appendRequest appends the netlink and generic netlink headers of a
// request cmd to the IPVS family; endMessage sets its length.
func appendRequest(b []byte, family, flags uint16, seq uint32, cmd uint8) []byte {
	b = ne.AppendUint32(b, 0) // length, set by endMessage
	b = ne.AppendUint16(b, family)
	b = ne.AppendUint16(b, flags)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0) // port id: the kernel fills it in
	return append(b, cmd, genlVersion, 0, 0)
}

// endMessage sets the length of the message that starts at b[start:].
func endMessage(b []byte, start int) []byte {
	ne.PutUint32(b[start:], uint32(len(b)-start))
	return b
}

// beginNested appends the header of a nested attribute; endNested sets its
// length once its attributes follow.
func beginNested(b []byte, typ uint16) []byte {
	b = ne.AppendUint16(b, 0)
	return ne.AppendUint16(b, typ|nlaFNested)
}

// endNested sets the length of the nested attribute that starts at b[at:].
func endNested(b []byte, at int) []byte {
	ne.PutUint16(b[at:], uint16(len(b)-at))
	return b
}

func appendU16(b []byte, typ, v uint16) []byte {
	var a [2]byte
	ne.PutUint16(a[:], v)
	return appendAttr(b, typ, a[:])
}

func appendU32(b []byte, typ uint16, v uint32) []byte {
	var a [4]byte
	ne.PutUint32(a[:], v)
	return appendAttr(b, typ, a[:])
}

// marshalDump appends to b a dump request for cmd from the IPVS family.
// For cmdGetDest, svc names the service (by family and firewall mark, or
// protocol, address and port) whose destinations are wanted.
func marshalDump(b []byte, family uint16, seq uint32, cmd uint8, svc *ipvs.Service) []byte {
	start := len(b)
	b = appendRequest(b, family, nlmFRequest|nlmFDump, seq, cmd)
	if svc != nil {
		at := len(b)
		b = beginNested(b, cmdAttrService)
		b = endNested(appendServiceKey(b, svc), at)
	}
	return endMessage(b, start)
}

// appendServiceKey appends the attributes that name svc: its family and
// firewall mark, or protocol, address and port.
func appendServiceKey(b []byte, svc *ipvs.Service) []byte {
	b = appendU16(b, svcAttrAF, svc.AddressFamily)
	if svc.FWMark != 0 {
		return appendU32(b, svcAttrFWMark, svc.FWMark)
	}
	b = appendU16(b, svcAttrProtocol, svc.Protocol)
	b = appendInetAddr(b, svcAttrAddr, svc.Address, svc.AddressFamily != syscall.AF_INET)
	return appendPort(b, svcAttrPort, svc.Port)
}

// appendInetAddr appends ip as a union nf_inet_addr: an IPv4 address in
// its first four bytes unless v6.
func appendInetAddr(b []byte, typ uint16, ip net.IP, v6 bool) []byte {
	var addr [nfInetAddrBytes]byte
	if v4 := ip.To4(); v4 != nil && !v6 {
		copy(addr[:], v4)
	} else {
		copy(addr[:], ip.To16())
	}
	return appendAttr(b, typ, addr[:])
}

// appendPort appends a port in network byte order.
func appendPort(b []byte, typ, port uint16) []byte {
	var a [2]byte
	binary.BigEndian.PutUint16(a[:], port)
	return appendAttr(b, typ, a[:])
}

// errTruncated is a reply shorter than its headers say.
var errTruncated = errors.New("ipvs netlink: truncated message")

// unmarshalReplies walks the netlink messages of one received buffer. It
// calls fn with the attributes (after the generic netlink header) of each
// reply to request seq, and reports done at NLMSG_DONE, at a zero
// NLMSG_ERROR (an acknowledgement), or after a reply that is not part of a
// multipart dump. A kernel error is returned as its syscall.Errno.
func unmarshalReplies(b []byte, seq uint32, fn func(attrs []byte) error) (done bool, err error) {
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return false, errTruncated
		}
		n := int(ne.Uint32(b))
		if n < nlmsgHdrLen || n > len(b) {
			return false, errTruncated
		}
		typ, flags, s := ne.Uint16(b[4:]), ne.Uint16(b[6:]), ne.Uint32(b[8:])
		body := b[nlmsgHdrLen:n]
		if next := align4(n); next < len(b) {
			b = b[next:]
		} else {
			b = nil
		}
		if s != seq {
			continue
		}
		switch typ {
		case nlmsgDoneType:
			return true, nil
		case nlmsgErrorType:
			if len(body) < 4 {
				return false, errTruncated
			}
			if e := int32(ne.Uint32(body)); e != 0 {
				return true, syscall.Errno(-e)
			}
			return true, nil
		}
		if len(body) < genlHdrLen {
			return false, errTruncated
		}
		if err := fn(body[genlHdrLen:]); err != nil {
			return false, err
		}
		if flags&nlmFMulti == 0 {
			return true, nil
		}
	}
	return false, nil
}

// walkAttrs calls fn for each attribute in b.
func walkAttrs(b []byte, fn func(typ uint16, v []byte) error) error {
	for len(b) > 0 {
		if len(b) < nlaHdrLen {
			return errTruncated
		}
		n := int(ne.Uint16(b))
		if n < nlaHdrLen || n > len(b) {
			return errTruncated
		}
		if err := fn(ne.Uint16(b[2:])&nlaFlagsMask, b[nlaHdrLen:n]); err != nil {
			return err
		}
		if next := align4(n); next < len(b) {
			b = b[next:]
		} else {
			b = nil
		}
	}
	return nil
}

// nested returns the payload of the one attribute of type typ in b.
func nested(b []byte, typ uint16, what string) ([]byte, error) {
	var in []byte
	err := walkAttrs(b, func(t uint16, v []byte) error {
		if t == typ {
			in = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, fmt.Errorf("ipvs netlink: reply without a %s", what)
	}
	return in, nil
}

func attrU16(v []byte) (uint16, error) {
	if len(v) < 2 {
		return 0, errTruncated
	}
	return ne.Uint16(v), nil
}

func attrU32(v []byte) (uint32, error) {
	if len(v) < 4 {
		return 0, errTruncated
	}
	return ne.Uint32(v), nil
}

func attrU64(v []byte) (uint64, error) {
	if len(v) < 8 {
		return 0, errTruncated
	}
	return ne.Uint64(v), nil
}

func attrPort(v []byte) (uint16, error) {
	if len(v) < 2 {
		return 0, errTruncated
	}
	return binary.BigEndian.Uint16(v), nil
}

func attrString(v []byte) string {
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

// attrAddr copies an address of family af out of v (which the caller's
// buffer is reused for).
func attrAddr(v []byte, af uint16) (net.IP, error) {
	switch af {
	case syscall.AF_INET:
		if len(v) < ipv4AddrLen {
			return nil, errTruncated
		}
		return net.IP(append([]byte(nil), v[:ipv4AddrLen]...)), nil
	case syscall.AF_INET6:
		if len(v) < ipv6AddrLen {
			return nil, errTruncated
		}
		return net.IP(append([]byte(nil), v[:ipv6AddrLen]...)), nil
	}
	return nil, fmt.Errorf("ipvs netlink: address family %d", af)
}

// unmarshalStats decodes the 32-bit counter set.
func unmarshalStats(b []byte) (ipvs.SvcStats, error) {
	var s ipvs.SvcStats
	err := walkAttrs(b, func(t uint16, v []byte) error {
		var err error
		switch t {
		case statConns:
			s.Connections, err = attrU32(v)
		case statInPkts:
			s.PacketsIn, err = attrU32(v)
		case statOutPkts:
			s.PacketsOut, err = attrU32(v)
		case statInBytes:
			s.BytesIn, err = attrU64(v)
		case statOutBytes:
			s.BytesOut, err = attrU64(v)
		case statCPS:
			s.CPS, err = attrU32(v)
		case statInPPS:
			s.PPSIn, err = attrU32(v)
		case statOutPPS:
			s.PPSOut, err = attrU32(v)
		case statInBPS:
			s.BPSIn, err = attrU32(v)
		case statOutBPS:
			s.BPSOut, err = attrU32(v)
		}
		return err
	})
	return s, err
}

// unmarshalService decodes the attributes of a GET_SERVICE reply.
func unmarshalService(attrs []byte) (*ipvs.Service, error) {
	in, err := nested(attrs, cmdAttrService, "service")
	if err != nil {
		return nil, err
	}
	s := &ipvs.Service{}
	var addr []byte
	err = walkAttrs(in, func(t uint16, v []byte) error {
		var err error
		switch t {
		case svcAttrAF:
			s.AddressFamily, err = attrU16(v)
		case svcAttrProtocol:
			s.Protocol, err = attrU16(v)
		case svcAttrAddr:
			addr = v
		case svcAttrPort:
			s.Port, err = attrPort(v)
		case svcAttrFWMark:
			s.FWMark, err = attrU32(v)
		case svcAttrSched:
			s.SchedName = attrString(v)
		case svcAttrPEName:
			s.PEName = attrString(v)
		case svcAttrFlags:
			s.Flags, err = attrU32(v)
		case svcAttrTimeout:
			s.Timeout, err = attrU32(v)
		case svcAttrNetmask:
			s.Netmask, err = attrU32(v)
		case svcAttrStats:
			s.Stats, err = unmarshalStats(v)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ipvs netlink: service: %w", err)
	}
	if addr != nil {
		if s.Address, err = attrAddr(addr, s.AddressFamily); err != nil {
			return nil, fmt.Errorf("ipvs netlink: service: %w", err)
		}
	}
	return s, nil
}

// unmarshalDest decodes the attributes of a GET_DEST reply; af is the
// service's family, for kernels that do not send the destination's own.
func unmarshalDest(attrs []byte, af uint16) (*ipvs.Destination, error) {
	in, err := nested(attrs, cmdAttrDest, "destination")
	if err != nil {
		return nil, err
	}
	d := &ipvs.Destination{AddressFamily: af}
	var addr []byte
	err = walkAttrs(in, func(t uint16, v []byte) error {
		var err error
		var u uint32
		switch t {
		case dstAttrAddr:
			addr = v
		case dstAttrAF:
			d.AddressFamily, err = attrU16(v)
		case dstAttrPort:
			d.Port, err = attrPort(v)
		case dstAttrFwd:
			d.ConnectionFlags, err = attrU32(v)
		case dstAttrWeight:
			u, err = attrU32(v)
			d.Weight = int(int32(u))
		case dstAttrUThresh:
			d.UpperThreshold, err = attrU32(v)
		case dstAttrLThresh:
			d.LowerThreshold, err = attrU32(v)
		case dstAttrActive:
			u, err = attrU32(v)
			d.ActiveConnections = int(u)
		case dstAttrInact:
			u, err = attrU32(v)
			d.InactiveConnections = int(u)
		case dstAttrStats:
			var st ipvs.SvcStats
			st, err = unmarshalStats(v)
			d.Stats = ipvs.DstStats(st)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ipvs netlink: destination: %w", err)
	}
	if addr == nil {
		return nil, errors.New("ipvs netlink: destination without an address")
	}
	if d.Address, err = attrAddr(addr, d.AddressFamily); err != nil {
		return nil, fmt.Errorf("ipvs netlink: destination: %w", err)
	}
	return d, nil
}
