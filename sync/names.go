package sync

import (
	"fmt"
	"strings"
)

// Flags are a connection's IP_VS_CONN_F_* bits as the master sends them.
type Flags uint32

// The connection flags (include/uapi/linux/ip_vs.h).
const (
	FlagFwdMask   Flags = 0x0007 // forwarding method, see Forward
	FlagSync      Flags = 0x0020 // entry created by sync
	FlagHashed    Flags = 0x0040
	FlagNoOutput  Flags = 0x0080
	FlagInactive  Flags = 0x0100
	FlagOutSeq    Flags = 0x0200
	FlagInSeq     Flags = 0x0400
	FlagNoCPort   Flags = 0x0800
	FlagTemplate  Flags = 0x1000 // a persistence template
	FlagOnePacket Flags = 0x2000
)

// Forward names the forwarding method in the low bits.
func (f Flags) Forward() string {
	switch f & FlagFwdMask {
	case 0:
		return "Masq"
	case 1:
		return "Local"
	case 2:
		return "Tunnel"
	case 3:
		return "Route"
	case 4:
		return "Bypass"
	}
	return fmt.Sprintf("fwd%d", f&FlagFwdMask)
}

func (f Flags) String() string {
	parts := []string{f.Forward()}
	for _, n := range []struct {
		bit  Flags
		name string
	}{
		{FlagSync, "sync"}, {FlagHashed, "hashed"}, {FlagNoOutput, "nooutput"},
		{FlagInactive, "inactive"}, {FlagOutSeq, "outseq"}, {FlagInSeq, "inseq"},
		{FlagNoCPort, "nocport"}, {FlagTemplate, "template"}, {FlagOnePacket, "onepacket"},
	} {
		if f&n.bit != 0 {
			parts = append(parts, n.name)
		}
	}
	if rest := f &^ (FlagFwdMask | FlagSync | FlagHashed | FlagNoOutput | FlagInactive | FlagOutSeq | FlagInSeq | FlagNoCPort | FlagTemplate | FlagOnePacket); rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint32(rest)))
	}
	return strings.Join(parts, ",")
}

// IPVS's per-protocol state names, as /proc/net/ip_vs_conn prints them.
var (
	tcpStates  = []string{"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK"}
	udpStates  = []string{"UDP"}
	sctpStates = []string{"NONE", "INIT1", "INIT", "COOKIE_SENT", "COOKIE_REPLIED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED", "SHUTDOWN_SENT", "SHUTDOWN_RECEIVED", "SHUTDOWN_ACK_SENT", "REJECTED", "CLOSED"}
)

// ProtocolName names an IP protocol as ipvsadm does.
func ProtocolName(p uint8) string {
	switch p {
	case 6:
		return "TCP"
	case 17:
		return "UDP"
	case 132:
		return "SCTP"
	case 0:
		return "IP"
	}
	return fmt.Sprintf("proto%d", p)
}

// StateName names a connection's state for its protocol; templates have
// state NONE.
func (c Conn) StateName() string {
	var names []string
	switch {
	case c.Flags&FlagTemplate != 0:
		names = []string{"NONE"}
	case c.Protocol == 6:
		names = tcpStates
	case c.Protocol == 17:
		names = udpStates
	case c.Protocol == 132:
		names = sctpStates
	}
	if int(c.State) < len(names) {
		return names[c.State]
	}
	return fmt.Sprintf("state%d", c.State)
}

// String is one line: protocol, client -> virtual -> real, state, flags,
// timeout, and the options that are present.
func (c Conn) String() string {
	var b strings.Builder
	proto := ProtocolName(c.Protocol)
	if c.Flags&FlagTemplate != 0 {
		proto = "template"
	}
	fmt.Fprintf(&b, "%s %s -> %s -> %s %s %s timeout=%ds", proto, c.Client, c.Virtual, c.Real, c.StateName(), c.Flags, c.Timeout)
	if c.FWMark != 0 {
		fmt.Fprintf(&b, " fwmark=%d", c.FWMark)
	}
	if c.Seq != nil {
		fmt.Fprintf(&b, " seq=in(%d,%d,%d)out(%d,%d,%d)", c.Seq.In.Init, c.Seq.In.Delta, c.Seq.In.PrevDelta, c.Seq.Out.Init, c.Seq.Out.Delta, c.Seq.Out.PrevDelta)
	}
	if c.PEName != "" || len(c.PEData) > 0 {
		fmt.Fprintf(&b, " pe=%s:%q", c.PEName, c.PEData)
	}
	for _, o := range c.Extra {
		fmt.Fprintf(&b, " opt%d=%x", o.Type, o.Data)
	}
	return b.String()
}
