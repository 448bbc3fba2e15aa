package sync

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// Role is a kernel sync thread's role (IP_VS_STATE_MASTER/BACKUP).
type Role uint32

// The two roles. The kernel runs at most one thread of each per network
// namespace, and both at once if asked.
const (
	Master Role = 1
	Backup Role = 2
)

func (r Role) String() string {
	switch r {
	case Master:
		return "master"
	case Backup:
		return "backup"
	}
	return fmt.Sprintf("role%d", uint32(r))
}

// Defaults the kernel applies when a setting is left out.
const (
	DefaultPort  = 8848
	DefaultTTL   = 1
	DefaultGroup = "224.0.0.81"
)

// Daemon is one kernel sync thread's settings, as IPVS_CMD_NEW_DAEMON takes
// them and IPVS_CMD_GET_DAEMON reports them. Zero values of the optional
// ones leave the kernel's default.
type Daemon struct {
	Role      Role
	Interface string // the multicast interface
	SyncID    uint8
	MaxLen    uint16     // UDP payload size; 0: from the interface's MTU
	Group     netip.Addr // multicast group; zero: 224.0.0.81; IPv6: sync over IPv6
	Port      uint16     // UDP port; 0: 8848
	TTL       uint8      // 0: 1
}

// String prints the daemon as ipvsadm -L --daemon does.
func (d Daemon) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s sync daemon (mcast=%s, syncid=%d", d.Role, d.Interface, d.SyncID)
	if d.MaxLen != 0 {
		fmt.Fprintf(&b, ", maxlen=%d", d.MaxLen)
	}
	if d.Group.IsValid() {
		fmt.Fprintf(&b, ", group=%s", d.Group)
	}
	if d.Port != 0 {
		fmt.Fprintf(&b, ", port=%d", d.Port)
	}
	if d.TTL != 0 {
		fmt.Fprintf(&b, ", ttl=%d", d.TTL)
	}
	b.WriteString(")")
	return b.String()
}

// Generic netlink numbers of the IPVS family (include/uapi/linux/ip_vs.h);
// moby/ipvs has no daemon commands, so this package speaks them.
const (
	cmdNewDaemon = 9
	cmdDelDaemon = 10
	cmdGetDaemon = 11

	cmdAttrDaemon = 3

	daemonAttrState  = 1
	daemonAttrIfname = 2
	daemonAttrSyncID = 3
	daemonAttrMaxLen = 4
	daemonAttrGroup  = 5
	daemonAttrGroup6 = 6
	daemonAttrPort   = 7
	daemonAttrTTL    = 8
	ifnameMax        = 16 // IP_VS_IFNAME_MAXLEN
	nlaFNested       = 1 << 15
	nlaTypeMask      = ^uint16(3 << 14)
	genlHeaderLen    = 4
	attrHeaderLen    = 4
	attrAlign        = 4
)

// Check reports settings the kernel would refuse.
func (d Daemon) Check() error {
	switch {
	case d.Role != Master && d.Role != Backup:
		return fmt.Errorf("role %d is neither master nor backup", d.Role)
	case d.Interface == "" || len(d.Interface) >= ifnameMax:
		return fmt.Errorf("interface name %q: want 1..%d characters", d.Interface, ifnameMax-1)
	case d.Group.IsValid() && (!d.Group.IsMulticast() || d.Group.Is4In6() || d.Group.Zone() != ""):
		return fmt.Errorf("group %s is not a plain IPv4 or IPv6 multicast address", d.Group)
	}
	return nil
}

// attrs encodes the nested IPVS_CMD_ATTR_DAEMON of a NEW (full) or DEL
// (role only) command. Netlink integers are in host order, addresses in
// network order.
func (d Daemon) attrs(full bool) []byte {
	var in []byte
	in = appendAttr(in, daemonAttrState, binary.NativeEndian.AppendUint32(nil, uint32(d.Role)))
	if full {
		in = appendAttr(in, daemonAttrIfname, append([]byte(d.Interface), 0))
		in = appendAttr(in, daemonAttrSyncID, binary.NativeEndian.AppendUint32(nil, uint32(d.SyncID)))
		if d.MaxLen != 0 {
			in = appendAttr(in, daemonAttrMaxLen, binary.NativeEndian.AppendUint16(nil, d.MaxLen))
		}
		if d.Group.Is4() {
			in = appendAttr(in, daemonAttrGroup, d.Group.AsSlice())
		} else if d.Group.Is6() {
			in = appendAttr(in, daemonAttrGroup6, d.Group.AsSlice())
		}
		if d.Port != 0 {
			in = appendAttr(in, daemonAttrPort, binary.NativeEndian.AppendUint16(nil, d.Port))
		}
		if d.TTL != 0 {
			in = appendAttr(in, daemonAttrTTL, []byte{d.TTL})
		}
	}
	return appendAttr(nil, cmdAttrDaemon|nlaFNested, in)
}

func appendAttr(b []byte, typ uint16, data []byte) []byte {
	b = binary.NativeEndian.AppendUint16(b, uint16(attrHeaderLen+len(data)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, data...)
	for len(b)%attrAlign != 0 {
		b = append(b, 0)
	}
	return b
}

// parseAttrs splits a run of netlink attributes.
func parseAttrs(b []byte) ([]syscall.NetlinkRouteAttr, error) {
	var out []syscall.NetlinkRouteAttr
	for len(b) > 0 {
		if len(b) < attrHeaderLen {
			return nil, fmt.Errorf("attribute header cut short: %d bytes", len(b))
		}
		n := int(binary.NativeEndian.Uint16(b))
		if n < attrHeaderLen || n > len(b) {
			return nil, fmt.Errorf("attribute length %d with %d bytes left", n, len(b))
		}
		out = append(out, syscall.NetlinkRouteAttr{
			Attr:  syscall.RtAttr{Len: uint16(n), Type: binary.NativeEndian.Uint16(b[2:])},
			Value: b[attrHeaderLen:n],
		})
		adv := (n + attrAlign - 1) &^ (attrAlign - 1)
		if adv > len(b) {
			adv = len(b)
		}
		b = b[adv:]
	}
	return out, nil
}

// ParseDaemonReply decodes one GET_DAEMON reply's payload (after the
// netlink header): the generic netlink header, then IPVS_CMD_ATTR_DAEMON.
func ParseDaemonReply(b []byte) (Daemon, error) {
	if len(b) < genlHeaderLen {
		return Daemon{}, fmt.Errorf("sync: daemon reply of %d bytes", len(b))
	}
	top, err := parseAttrs(b[genlHeaderLen:])
	if err != nil {
		return Daemon{}, fmt.Errorf("sync: daemon reply: %w", err)
	}
	for _, a := range top {
		if a.Attr.Type&nlaTypeMask == cmdAttrDaemon {
			return parseDaemon(a.Value)
		}
	}
	return Daemon{}, fmt.Errorf("sync: daemon reply without a daemon attribute")
}

func parseDaemon(b []byte) (Daemon, error) {
	as, err := parseAttrs(b)
	if err != nil {
		return Daemon{}, fmt.Errorf("sync: daemon attribute: %w", err)
	}
	var d Daemon
	var haveState bool
	for _, a := range as {
		v := a.Value
		want := map[uint16]int{daemonAttrState: 4, daemonAttrSyncID: 4, daemonAttrMaxLen: 2, daemonAttrGroup: 4, daemonAttrGroup6: 16, daemonAttrPort: 2, daemonAttrTTL: 1}
		typ := a.Attr.Type & nlaTypeMask
		if n, ok := want[typ]; ok && len(v) < n {
			return Daemon{}, fmt.Errorf("sync: daemon attribute %d of %d bytes, want %d", typ, len(v), n)
		}
		switch typ {
		case daemonAttrState:
			d.Role, haveState = Role(binary.NativeEndian.Uint32(v)), true
		case daemonAttrIfname:
			d.Interface = strings.TrimRight(string(v), "\x00")
			if i := strings.IndexByte(d.Interface, 0); i >= 0 {
				d.Interface = d.Interface[:i]
			}
		case daemonAttrSyncID:
			d.SyncID = uint8(binary.NativeEndian.Uint32(v))
		case daemonAttrMaxLen:
			d.MaxLen = binary.NativeEndian.Uint16(v)
		case daemonAttrGroup:
			d.Group = netip.AddrFrom4([4]byte(v))
		case daemonAttrGroup6:
			d.Group = netip.AddrFrom16([16]byte(v))
		case daemonAttrPort:
			d.Port = binary.NativeEndian.Uint16(v)
		case daemonAttrTTL:
			d.TTL = v[0]
		}
	}
	if !haveState {
		return Daemon{}, fmt.Errorf("sync: daemon attribute without a state")
	}
	return d, nil
}
