package ipvs

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ListOptions select what Format prints, as ipvsadm -L's options do.
// Addresses and ports are always numeric (ipvsadm -n): Format resolves no
// names. Connections (ipvsadm -c) cannot be listed: moby/ipvs has no
// connection listing (ipvsadm reads /proc/net/ip_vs_conn for it). Neither
// can --persistent-conn counts or --pe names, which moby/ipvs does not read.
type ListOptions struct {
	Stats      bool // --stats: Conns InPkts OutPkts InBytes OutBytes
	Rate       bool // --rate: CPS InPPS OutPPS InBPS OutBPS (--stats wins if both)
	Thresholds bool // --thresholds: Uthreshold Lthreshold ActiveConn InActConn
	Exact      bool // --exact: counters without K, M, G, T
	NoSort     bool // --nosort: the order given, not ipvsadm's
	// Timeouts, if set, is printed alone, as ipvsadm -L --timeout does.
	Timeouts *Timeouts
	// Info is the header's version and table size; zero means DefaultInfo.
	Info Info
}

// Format writes services as ipvsadm 1.31 -Ln (with the options of opts)
// prints them: the header, the column titles, then each service and its real
// servers, sorted as ipvsadm sorts them unless opts.NoSort.
func Format(w io.Writer, services []ServiceState, opts ListOptions) error {
	bw := bufio.NewWriter(w)
	if opts.Timeouts != nil {
		if opts.Stats || opts.Rate || opts.Thresholds {
			return errors.New("ipvs: list: --timeout conflicts with --stats, --rate and --thresholds")
		}
		t := opts.Timeouts
		fmt.Fprintf(bw, "Timeout (tcp tcpfin udp): %d %d %d\n", int64(t.TCP.Seconds()), int64(t.TCPFin.Seconds()), int64(t.UDP.Seconds()))
		return bw.Flush()
	}
	info := opts.Info
	if info == (Info{}) {
		info = DefaultInfo
	}
	fmt.Fprintf(bw, "IP Virtual Server version %s (size=%d)\n", info.Version, info.Size)
	printTitle(bw, opts)
	if !opts.NoSort {
		services = slices.Clone(services)
		slices.SortStableFunc(services, ipvsadmCompareServices)
	}
	for _, s := range services {
		printService(bw, s, opts)
	}
	return bw.Flush()
}

func printTitle(w io.Writer, o ListOptions) {
	switch {
	case o.Stats:
		fmt.Fprintf(w, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")
	case o.Rate:
		fmt.Fprintf(w, "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS")
	case o.Thresholds:
		fmt.Fprintf(w, "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n",
			"Prot LocalAddress:Port", "Uthreshold", "Lthreshold", "ActiveConn", "InActConn")
	default:
		fmt.Fprint(w, "Prot LocalAddress:Port Scheduler Flags\n"+
			"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
	}
}

// addrPortName is ipvsadm's numeric address:port, IPv6 in brackets.
func addrPortName(a netip.AddrPort) string {
	if a.Addr().Is4() {
		return a.Addr().String() + ":" + strconv.Itoa(int(a.Port()))
	}
	return "[" + a.Addr().String() + "]:" + strconv.Itoa(int(a.Port()))
}

// truncate cuts s to n bytes, as ipvsadm does for IPv4 names.
func truncate(s string, n int, v6 bool) string {
	if v6 || len(s) <= n {
		return s
	}
	return s[:n]
}

func serviceName(k ServiceKey) string {
	if k.Proto == FWMark {
		if k.Is6() {
			return fmt.Sprintf("FWM  %d IPv6", k.FWMark)
		}
		return fmt.Sprintf("FWM  %d", k.FWMark)
	}
	return truncate(fmt.Sprintf("%-4s %s", k.Proto, addrPortName(k.Addr)), 33, k.Is6())
}

func printService(w io.Writer, st ServiceState, o ListOptions) {
	s := st.Service
	name := serviceName(s.Key)
	switch {
	case o.Stats:
		fmt.Fprintf(w, "%-33s", name)
		printLargeNums(w, o.Exact, st.Stats.Conns, st.Stats.InPkts, st.Stats.OutPkts, st.Stats.InBytes, st.Stats.OutBytes)
	case o.Rate:
		fmt.Fprintf(w, "%-33s", name)
		printLargeNums(w, o.Exact, st.Stats.CPS, st.Stats.InPPS, st.Stats.OutPPS, st.Stats.InBPS, st.Stats.OutBPS)
	default:
		fmt.Fprintf(w, "%s %s", name, s.Scheduler)
		if st.Flags&(flagSched1|flagSched2|flagSched3) != 0 {
			fmt.Fprintf(w, " (%s)", schedFlags(s.Scheduler, st.Flags))
		}
		if s.Persistent {
			fmt.Fprintf(w, " persistent %d", int64(s.PersistTimeout.Seconds()))
			if s.PersistNetmask != s.Key.bits() {
				if s.Key.Is6() {
					fmt.Fprintf(w, " mask %d", s.PersistNetmask)
				} else {
					fmt.Fprintf(w, " mask %s", netip.AddrFrom4(v4Mask(s.PersistNetmask)))
				}
			}
		}
		if st.Flags&flagOnePacket != 0 {
			fmt.Fprint(w, " ops")
		}
	}
	fmt.Fprint(w, "\n")

	reals := st.Reals
	if !o.NoSort {
		reals = slices.Clone(reals)
		slices.SortStableFunc(reals, func(a, b RealState) int { return ipvsadmCompareAddrPorts(a.Real.Addr, b.Real.Addr) })
	}
	for _, r := range reals {
		name := truncate(addrPortName(r.Real.Addr), 28, r.Real.Addr.Addr().Is6())
		switch {
		case o.Stats:
			fmt.Fprintf(w, "  -> %-28s", name)
			printLargeNums(w, o.Exact, r.Stats.Conns, r.Stats.InPkts, r.Stats.OutPkts, r.Stats.InBytes, r.Stats.OutBytes)
		case o.Rate:
			fmt.Fprintf(w, "  -> %-28s %8d %8d %8d", name, r.Stats.CPS, r.Stats.InPPS, r.Stats.OutPPS)
			printLargeNums(w, o.Exact, r.Stats.InBPS, r.Stats.OutBPS)
		case o.Thresholds:
			fmt.Fprintf(w, "  -> %-28s %-10d %-10d %-10d %-10d", name, r.UpperThreshold, r.LowerThreshold, r.ActiveConns, r.InactConns)
		default:
			fmt.Fprintf(w, "  -> %-28s %-7s %-6d %-10d %-10d", name, r.Real.Forward, r.Real.Weight, r.ActiveConns, r.InactConns)
		}
		fmt.Fprint(w, "\n")
	}
}

func v4Mask(ones int) [4]byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ^uint32(0)<<(32-ones))
	return b
}

// schedFlags names scheduler flags as ipvsadm does: sh and mh name theirs.
func schedFlags(s Scheduler, flags uint32) string {
	var names []string
	add := func(bit uint32, name string) {
		if flags&bit != 0 {
			names = append(names, name)
		}
	}
	switch s {
	case SH:
		add(flagSched1, "sh-fallback")
		add(flagSched2, "sh-port")
	case MH:
		add(flagSched1, "mh-fallback")
		add(flagSched2, "mh-port")
	default:
		add(flagSched1, "flag-1")
		add(flagSched2, "flag-2")
		add(flagSched3, "flag-3")
	}
	return strings.Join(names, ",")
}

// printLargeNums prints counters as ipvsadm's print_largenum: nine columns,
// scaled to K, M, G or T beyond 99,999,999 unless exact.
func printLargeNums(w io.Writer, exact bool, ns ...uint64) {
	for _, n := range ns {
		switch {
		case exact:
			width := len(strconv.FormatUint(n, 10)) + 1
			fmt.Fprintf(w, "%*d", max(width, 9), n)
		case n < 100_000_000:
			fmt.Fprintf(w, "%9d", n)
		case n < 1_000_000_000:
			fmt.Fprintf(w, "%8dK", n/1_000)
		case n < 100_000_000_000:
			fmt.Fprintf(w, "%8dM", n/1_000_000)
		case n < 100_000_000_000_000:
			fmt.Fprintf(w, "%8dG", n/1_000_000_000)
		default:
			fmt.Fprintf(w, "%8dT", n/1_000_000_000_000)
		}
	}
}

// ipvsadmCompareServices orders services as libipvs's ipvs_cmp_services:
// by mark, family, protocol, address, port. Like it, it compares 32-bit
// quantities by the sign of their wrapped difference, so addresses more than
// 2^31 apart sort as ipvsadm sorts them, not numerically.
func ipvsadmCompareServices(a, b ServiceState) int {
	ka, kb := a.Service.Key, b.Service.Key
	if r := int32(ka.FWMark - kb.FWMark); r != 0 {
		return int(r)
	}
	if r := int(family(ka.Is6())) - int(family(kb.Is6())); r != 0 {
		return r
	}
	if r := int(kernelProto(ka)) - int(kernelProto(kb)); r != 0 {
		return r
	}
	return ipvsadmCompareAddrPorts(ka.Addr, kb.Addr)
}

// kernelProto is the protocol libipvs sees: none for a firewall mark.
func kernelProto(k ServiceKey) Protocol {
	if k.Proto == FWMark {
		return 0
	}
	return k.Proto
}

// ipvsadmCompareAddrPorts orders as libipvs's ipvs_cmp_dests: address by
// wrapped 32-bit differences, word by word, then port.
func ipvsadmCompareAddrPorts(a, b netip.AddrPort) int {
	if a.Addr().Is6() {
		x, y := a.Addr().As16(), b.Addr().As16()
		for i := 0; i < 16; i += 4 {
			if r := int32(binary.BigEndian.Uint32(x[i:]) - binary.BigEndian.Uint32(y[i:])); r != 0 {
				return int(r)
			}
		}
	} else {
		x, y := a.Addr().As4(), b.Addr().As4()
		if r := int32(binary.BigEndian.Uint32(x[:]) - binary.BigEndian.Uint32(y[:])); r != 0 {
			return int(r)
		}
	}
	return int(a.Port()) - int(b.Port())
}
