package drill

import (
	"bufio"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
)

// CountIPVSConns counts the entries of an IPVS connection table, as
// /proc/net/ip_vs_conn prints it, whose virtual address (ToIP, ToPort) is
// vip and port (0: any port). The kernel prints IPv4 addresses as 8 hex
// digits and ports as 4, IPv6 addresses in their usual form.
func CountIPVSConns(table string, vip netip.Addr, port uint16) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(table))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// The header line ("Pro FromIP ...") fails procAddr below.
		if len(f) < 5 {
			continue
		}
		a, ok := procAddr(f[3])
		if !ok || a != vip {
			continue
		}
		p, err := strconv.ParseUint(f[4], 16, 16)
		if err != nil || (port != 0 && uint16(p) != port) {
			continue
		}
		n++
	}
	return n
}

// procAddr reads one address of /proc/net/ip_vs_conn.
func procAddr(s string) (netip.Addr, bool) {
	if len(s) == 8 {
		b, err := hex.DecodeString(s)
		if err != nil {
			return netip.Addr{}, false
		}
		return netip.AddrFrom4([4]byte(b)), true
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil && a.Is6()
}
