package ipvs

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// ConnProcFile is where the kernel lists its connection table; ipvsadm -c
// reads it too (moby/ipvs has no connection listing).
const ConnProcFile = "/proc/net/ip_vs_conn"

// Conn is one entry of the kernel's connection table: a connection, or a
// persistence template (protocol IP, ports 0 where the netmask hides them).
type Conn struct {
	Protocol string         // TCP, UDP, SCTP, IP (templates)
	Client   netip.AddrPort // the client's address
	Virtual  netip.AddrPort // the virtual service
	Dest     netip.AddrPort // the real server
	State    string         // ESTABLISHED, FIN_WAIT, NONE, ...
	Expires  time.Duration  // until the entry expires, in whole seconds
	PEName   string         // persistence engine, if any (e.g. sip)
	PEData   string
}

// ParseConns reads /proc/net/ip_vs_conn as the kernel writes it: a title
// line, then "Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName
// PEData]", IPv4 addresses as 8 hex digits, IPv6 ones in full colon form,
// ports as 4 hex digits.
func ParseConns(r io.Reader) ([]Conn, error) {
	sc := bufio.NewScanner(r)
	var out []Conn
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			if !strings.HasPrefix(line, "Pro ") {
				return nil, fmt.Errorf("ipvs: connections: line 1: not the title line: %.40q", line)
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		c, err := parseConn(line)
		if err != nil {
			return nil, fmt.Errorf("ipvs: connections: line %d: %w", n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

func parseConn(line string) (Conn, error) {
	f := strings.Fields(line)
	if len(f) != 9 && len(f) != 11 {
		return Conn{}, fmt.Errorf("%d fields, want 9 or 11", len(f))
	}
	var c Conn
	c.Protocol, c.State = f[0], f[7]
	var err error
	if c.Client, err = parseConnAddrPort(f[1], f[2]); err != nil {
		return Conn{}, fmt.Errorf("client: %w", err)
	}
	if c.Virtual, err = parseConnAddrPort(f[3], f[4]); err != nil {
		return Conn{}, fmt.Errorf("virtual: %w", err)
	}
	if c.Dest, err = parseConnAddrPort(f[5], f[6]); err != nil {
		return Conn{}, fmt.Errorf("destination: %w", err)
	}
	secs, err := strconv.ParseUint(f[8], 10, 32)
	if err != nil {
		return Conn{}, fmt.Errorf("expires %q: not a number of seconds", f[8])
	}
	c.Expires = time.Duration(secs) * time.Second
	if len(f) == 11 {
		c.PEName, c.PEData = f[9], f[10]
	}
	return c, nil
}

func parseConnAddrPort(addr, port string) (netip.AddrPort, error) {
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil || len(port) != 4 {
		return netip.AddrPort{}, fmt.Errorf("port %q: not 4 hex digits", port)
	}
	if strings.Contains(addr, ":") {
		a, err := netip.ParseAddr(addr)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return netip.AddrPort{}, fmt.Errorf("address %q: not IPv6", addr)
		}
		return netip.AddrPortFrom(a, uint16(p)), nil
	}
	v, err := strconv.ParseUint(addr, 16, 32)
	if err != nil || len(addr) != 8 {
		return netip.AddrPort{}, fmt.Errorf("address %q: not 8 hex digits", addr)
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(v))
	return netip.AddrPortFrom(netip.AddrFrom4(b), uint16(p)), nil
}

// FormatConns writes conns as ipvsadm 1.31 -Lnc prints them.
func FormatConns(w io.Writer, conns []Conn) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "IPVS connection entries\npro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination")
	for _, c := range conns {
		s := int64(c.Expires / time.Second)
		fmt.Fprintf(bw, "%-3s %-6s %-11s %-18s %-18s %s\n", c.Protocol, fmt.Sprintf("%02d:%02d", s/60, s%60),
			c.State, addrPortName(c.Client), addrPortName(c.Virtual), addrPortName(c.Dest))
	}
	return bw.Flush()
}

// ReadConns reads the connection table of the caller's network namespace.
func ReadConns() ([]Conn, error) {
	f, err := os.Open(ConnProcFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("ipvs: no connection table (%s): is ip_vs loaded?", ConnProcFile)
	}
	if err != nil {
		return nil, fmt.Errorf("ipvs: %w", err)
	}
	defer f.Close()
	return ParseConns(f)
}
