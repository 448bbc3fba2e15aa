package sync

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// ProtoVersion is the sync protocol version this codec speaks (the
// kernel's SYNC_PROTO_VER).
const ProtoVersion = 1

// Sizes of the wire structures.
const (
	HeaderLen  = 8  // struct ip_vs_sync_mesg
	connV4Len  = 36 // struct ip_vs_sync_v4
	connV6Len  = 72 // struct ip_vs_sync_v6
	seqOptLen  = 24 // struct ip_vs_sync_conn_options: two ip_vs_seq
	PENameMax  = 16 // IP_VS_PENAME_MAXLEN
	PEDataMax  = 255
	typeINET6  = 1 // STYPE_F_INET6
	sizeMask   = 0x0fff
	verShift   = 12
	maxMessage = 0xffff
)

// Option types of a connection record; OptFlagParam marks an optional one
// that a receiver may skip when it does not know it.
const (
	OptSeqData   = 1
	OptPEData    = 2
	OptPEName    = 3
	OptFlagParam = 1 << 6 // IPVS_OPT_F_PARAM
)

// Message is one sync datagram: the sender's sync id and its connections.
type Message struct {
	SyncID uint8
	Conns  []Conn
}

// Conn is one connection record. Client, Virtual and Real are all IPv4 or
// all IPv6.
type Conn struct {
	Protocol uint8 // IP protocol number (6 TCP, 17 UDP, 132 SCTP; 0 templates)
	Flags    Flags
	State    uint16 // the protocol's IPVS state number; see StateName
	Client   netip.AddrPort
	Virtual  netip.AddrPort
	Real     netip.AddrPort
	FWMark   uint32
	Timeout  uint32 // seconds
	// Seq, when set, carries the sequence adjustments (NAT with
	// application helpers); the kernel sends it when Flags has a SEQ bit.
	Seq    *SeqData
	PEData []byte // persistence engine data (e.g. a SIP call id)
	PEName string // persistence engine name
	// Extra are options this codec does not know, kept in order.
	Extra []Option
}

// SeqData is struct ip_vs_sync_conn_options.
type SeqData struct {
	In, Out Seq
}

// Seq is struct ip_vs_seq.
type Seq struct {
	Init, Delta, PrevDelta uint32
}

// Option is a connection option this codec does not interpret.
type Option struct {
	Type uint8
	Data []byte
}

// IPv6 reports whether the record carries IPv6 addresses.
func (c Conn) IPv6() bool { return c.Client.Addr().Is6() }

// recordLen is the record's length without the padding before the next one.
func (c Conn) recordLen() int {
	n := connV4Len
	if c.IPv6() {
		n = connV6Len
	}
	if c.Seq != nil {
		n += 2 + seqOptLen
	}
	if len(c.PEData) > 0 {
		n += 2 + len(c.PEData)
	}
	if c.PEName != "" {
		n += 2 + len(c.PEName)
	}
	for _, o := range c.Extra {
		n += 2 + len(o.Data)
	}
	return n
}

// Marshal encodes m as the kernel does: the header, then each record
// aligned to four bytes by zero padding before it, and no padding after
// the last.
func (m Message) Marshal() ([]byte, error) {
	if len(m.Conns) > 255 {
		return nil, fmt.Errorf("sync: %d connections, a message holds at most 255", len(m.Conns))
	}
	b := make([]byte, HeaderLen, HeaderLen+len(m.Conns)*connV4Len)
	b[1] = m.SyncID
	b[4] = uint8(len(m.Conns))
	b[5] = ProtoVersion
	for i, c := range m.Conns {
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("sync: connection %d: %w", i, err)
		}
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = c.appendTo(b)
	}
	if len(b) > maxMessage {
		return nil, fmt.Errorf("sync: message of %d bytes exceeds %d", len(b), maxMessage)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b, nil
}

func (c Conn) check() error {
	v6 := c.IPv6()
	for _, a := range []netip.AddrPort{c.Client, c.Virtual, c.Real} {
		if !a.Addr().IsValid() || a.Addr().Is6() != v6 || a.Addr().Zone() != "" {
			return fmt.Errorf("addresses %v %v %v are not all plain IPv4 or all IPv6", c.Client, c.Virtual, c.Real)
		}
	}
	if len(c.PEData) > PEDataMax {
		return fmt.Errorf("persistence engine data of %d bytes, at most %d", len(c.PEData), PEDataMax)
	}
	if len(c.PEName) > PENameMax {
		return fmt.Errorf("persistence engine name %q longer than %d", c.PEName, PENameMax)
	}
	for _, o := range c.Extra {
		switch {
		case len(o.Data) == 0 || len(o.Data) > 255:
			return fmt.Errorf("option %d of %d bytes, want 1..255", o.Type, len(o.Data))
		case o.Type&^OptFlagParam >= OptSeqData && o.Type&^OptFlagParam <= OptPEName:
			return fmt.Errorf("option %d is a known one: use its field", o.Type)
		}
	}
	if n := c.recordLen(); n > sizeMask {
		return fmt.Errorf("record of %d bytes exceeds %d", n, sizeMask)
	}
	return nil
}

func (c Conn) appendTo(b []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, 24)...)
	r := b[start:]
	if c.IPv6() {
		r[0] = typeINET6
	}
	r[1] = c.Protocol
	binary.BigEndian.PutUint16(r[2:], uint16(c.recordLen()))
	binary.BigEndian.PutUint32(r[4:], uint32(c.Flags))
	binary.BigEndian.PutUint16(r[8:], c.State)
	binary.BigEndian.PutUint16(r[10:], c.Client.Port())
	binary.BigEndian.PutUint16(r[12:], c.Virtual.Port())
	binary.BigEndian.PutUint16(r[14:], c.Real.Port())
	binary.BigEndian.PutUint32(r[16:], c.FWMark)
	binary.BigEndian.PutUint32(r[20:], c.Timeout)
	for _, a := range []netip.AddrPort{c.Client, c.Virtual, c.Real} {
		b = append(b, a.Addr().AsSlice()...)
	}
	if c.Seq != nil {
		b = append(b, OptSeqData, seqOptLen)
		for _, s := range []Seq{c.Seq.In, c.Seq.Out} {
			b = binary.BigEndian.AppendUint32(b, s.Init)
			b = binary.BigEndian.AppendUint32(b, s.Delta)
			b = binary.BigEndian.AppendUint32(b, s.PrevDelta)
		}
	}
	if len(c.PEData) > 0 {
		b = append(b, OptPEData, uint8(len(c.PEData)))
		b = append(b, c.PEData...)
	}
	if c.PEName != "" {
		b = append(b, OptPEName, uint8(len(c.PEName)))
		b = append(b, c.PEName...)
	}
	for _, o := range c.Extra {
		b = append(b, o.Type, uint8(len(o.Data)))
		b = append(b, o.Data...)
	}
	return b
}

// Errors Unmarshal returns, wrapped with the detail.
var (
	ErrShort   = errors.New("sync: message shorter than its header")
	ErrSize    = errors.New("sync: size field does not match the datagram")
	ErrV0      = errors.New("sync: protocol version 0 message (sysctl sync_version=0)")
	ErrRecord  = errors.New("sync: bad connection record")
	ErrVersion = errors.New("sync: unknown connection record version")
)

// Unmarshal decodes a datagram and accepts exactly what the kernel's
// backup thread accepts (ip_vs_process_message): a version-1 header whose
// size is the datagram's, then nr_conns records, each at a four-byte
// boundary. A record the kernel would skip but not drop the buffer for (an
// unknown mandatory option) is kept, with the option in Extra.
func Unmarshal(b []byte) (Message, error) {
	if len(b) < HeaderLen {
		return Message{}, fmt.Errorf("%w: %d bytes", ErrShort, len(b))
	}
	if size := int(binary.BigEndian.Uint16(b[2:])); size != len(b) {
		return Message{}, fmt.Errorf("%w: says %d, datagram has %d", ErrSize, size, len(b))
	}
	if b[5] != ProtoVersion || b[0] != 0 || b[6] != 0 || b[7] != 0 {
		return Message{}, ErrV0
	}
	m := Message{SyncID: b[1]}
	n := int(b[4])
	if n > 0 {
		m.Conns = make([]Conn, 0, n)
	}
	off := HeaderLen
	for i := 0; i < n; i++ {
		if off+connV4Len > len(b) {
			return Message{}, fmt.Errorf("%w %d: %d bytes left, a record has at least %d", ErrRecord, i, len(b)-off, connV4Len)
		}
		vs := binary.BigEndian.Uint16(b[off+2:])
		size := int(vs & sizeMask)
		if off+size > len(b) {
			return Message{}, fmt.Errorf("%w %d: size %d runs past the datagram", ErrRecord, i, size)
		}
		if vs>>verShift != 0 {
			return Message{}, fmt.Errorf("%w %d: version %d", ErrVersion, i, vs>>verShift)
		}
		c, err := parseConn(b[off : off+size])
		if err != nil {
			return Message{}, fmt.Errorf("%w %d: %v", ErrRecord, i, err)
		}
		m.Conns = append(m.Conns, c)
		off += (size + 3) &^ 3
	}
	return m, nil
}

func parseConn(r []byte) (Conn, error) {
	var c Conn
	if len(r) < connV4Len {
		return c, fmt.Errorf("size %d, less than a record", len(r))
	}
	base := connV4Len
	switch r[0] {
	case 0:
	case typeINET6:
		base = connV6Len
	default:
		return c, fmt.Errorf("type %#x", r[0])
	}
	if len(r) < base {
		return c, fmt.Errorf("size %d, an IPv%d record has %d", len(r), map[bool]int{false: 4, true: 6}[base == connV6Len], base)
	}
	c.Protocol = r[1]
	c.Flags = Flags(binary.BigEndian.Uint32(r[4:]))
	c.State = binary.BigEndian.Uint16(r[8:])
	ports := [3]uint16{binary.BigEndian.Uint16(r[10:]), binary.BigEndian.Uint16(r[12:]), binary.BigEndian.Uint16(r[14:])}
	c.FWMark = binary.BigEndian.Uint32(r[16:])
	c.Timeout = binary.BigEndian.Uint32(r[20:])
	var addrs [3]netip.Addr
	for k := range addrs {
		if base == connV4Len {
			addrs[k] = netip.AddrFrom4([4]byte(r[24+4*k:]))
		} else {
			addrs[k] = netip.AddrFrom16([16]byte(r[24+16*k:]))
		}
	}
	c.Client = netip.AddrPortFrom(addrs[0], ports[0])
	c.Virtual = netip.AddrPortFrom(addrs[1], ports[1])
	c.Real = netip.AddrPortFrom(addrs[2], ports[2])
	p := r[base:]
	for len(p) > 0 {
		if len(p) < 2 {
			return c, fmt.Errorf("option header cut short")
		}
		typ, n := p[0], int(p[1])
		p = p[2:]
		if n == 0 || n > len(p) {
			return c, fmt.Errorf("option %d of length %d with %d bytes left", typ, n, len(p))
		}
		data := p[:n]
		p = p[n:]
		switch typ &^ OptFlagParam {
		case OptSeqData:
			if n != seqOptLen || c.Seq != nil {
				return c, fmt.Errorf("sequence option of %d bytes or twice", n)
			}
			u := func(k int) uint32 { return binary.BigEndian.Uint32(data[4*k:]) }
			c.Seq = &SeqData{In: Seq{u(0), u(1), u(2)}, Out: Seq{u(3), u(4), u(5)}}
		case OptPEData:
			if c.PEData != nil {
				return c, fmt.Errorf("persistence engine data twice")
			}
			c.PEData = append([]byte{}, data...)
		case OptPEName:
			if n > PENameMax || c.PEName != "" {
				return c, fmt.Errorf("persistence engine name of %d bytes or twice", n)
			}
			c.PEName = string(data)
		default:
			c.Extra = append(c.Extra, Option{Type: typ, Data: append([]byte{}, data...)})
		}
	}
	return c, nil
}
