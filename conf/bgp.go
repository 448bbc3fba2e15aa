package conf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// BGP is the [bgp] table and the instances with mode = "bgp": the VIPs
// this director announces to its routers over BGP while it is fit to
// serve them, so that several directors share them by ECMP.
type BGP struct {
	ASN      uint32
	RouterID netip.Addr // IPv4
	Peers    []BGPPeer
	// Communities are standard communities (ASN<<16 | value) on every route.
	Communities []uint32
	// NextHop and NextHop6, when valid, are the routes' next hops; unset,
	// each session's own address.
	NextHop, NextHop6 netip.Addr
	// AnnounceDelay is how long a VIP must be fit before it is announced.
	AnnounceDelay time.Duration
	// DrainTime is how long a stopping director keeps forwarding after it
	// withdrew its VIPs, for the flows the routers still send it.
	DrainTime time.Duration
	Instances []BGPInstance
}

// BGPPeer is one [[bgp.peer]]: a router.
type BGPPeer struct {
	Address      netip.Addr
	ASN          uint32
	Port         uint16     // default 179
	LocalAddress netip.Addr // the session's source; unset: the kernel's choice
	Password     string     // TCP MD5 (RFC 2385); empty: none
	HoldTime     time.Duration
	Multihop     uint8 // eBGP TTL; 0: directly connected
	// BFD, when set, runs a BFD session with the peer.
	BFD *BFD
}

// BFD is a peer's BFD timing.
type BFD struct {
	MinTx, MinRx time.Duration
	Multiplier   uint8
}

// BGPInstance is one [[instance]] with mode = "bgp": VIPs announced
// together, on the same conditions.
type BGPInstance struct {
	Name string
	// Interface holds the VIPs (default "lo", as DR directors hold them):
	// hadirector adds each as VIP/32 or VIP/128 at start if missing, and a
	// VIP missing from it is withdrawn.
	Interface string
	VIPs      []netip.Addr // IPv4 or IPv6
	// MinUp is how many real servers each IPVS service of a VIP needs up
	// for the VIP to be announced (default 1).
	MinUp int
	// Track: a failing object withdraws the VIPs (its weight must be 0).
	Track []Track
}

// Defaults of [bgp].
const (
	DefaultHoldTime  = 9 * time.Second
	DefaultDrainTime = 5 * time.Second
	DefaultBFDTx     = 300 * time.Millisecond
	DefaultBFDMult   = 3
)

func buildBGP(rb *rawBGP, e *errs) *BGP {
	b := &BGP{}
	if rb == nil {
		return b
	}
	b.ASN = uint32(intIn(e, "bgp", "asn", rb.ASN, 1, 4294967295, true, 0))
	if rb.RouterID == nil {
		e.add("bgp.router_id", "required: an IPv4 address naming this director")
	} else if a, err := netip.ParseAddr(*rb.RouterID); err != nil || !a.Is4() || a.IsUnspecified() {
		e.add("bgp.router_id", "%q is not an IPv4 address", *rb.RouterID)
	} else {
		b.RouterID = a
	}
	for i, s := range rb.Communities {
		c, err := parseCommunity(s)
		if err != nil {
			e.add("bgp.communities", "entry %d: %q: %v", i+1, s, err)
			continue
		}
		b.Communities = append(b.Communities, c)
	}
	if rb.NextHop != nil {
		if a, ok := unicastAddr(e, "bgp", "next_hop", -1, *rb.NextHop, false); ok {
			b.NextHop = a
		}
	}
	if rb.NextHop6 != nil {
		a, err := netip.ParseAddr(*rb.NextHop6)
		if err != nil || !a.Is6() || a.Is4In6() || a.IsMulticast() || a.IsUnspecified() || a.IsLoopback() {
			e.add("bgp.next_hop6", "%q is not an IPv6 unicast address", *rb.NextHop6)
		} else {
			b.NextHop6 = a
		}
	}
	b.AnnounceDelay = duration(e, "bgp", "announce_delay", rb.AnnounceDelay, 0)
	if b.AnnounceDelay > time.Hour {
		e.add("bgp.announce_delay", "%v is more than 1h", b.AnnounceDelay)
	}
	b.DrainTime = duration(e, "bgp", "drain_time", rb.DrainTime, DefaultDrainTime)
	if b.DrainTime > time.Hour {
		e.add("bgp.drain_time", "%v is more than 1h", b.DrainTime)
	}
	if len(rb.Peer) == 0 {
		e.add("bgp", "no [[bgp.peer]]: nobody to announce to")
	}
	seen := map[netip.Addr]int{}
	for n, rp := range rb.Peer {
		p := fmt.Sprintf("bgp.peer[%d]", n)
		peer, ok := buildPeer(p, rp, e)
		if !ok {
			continue
		}
		if other, dup := seen[peer.Address]; dup {
			e.add(p+".address", "%s is also bgp.peer[%d]", peer.Address, other)
			continue
		}
		seen[peer.Address] = n
		b.Peers = append(b.Peers, peer)
	}
	return b
}

func buildPeer(p string, rp rawBGPPeer, e *errs) (BGPPeer, bool) {
	before := e.count()
	peer := BGPPeer{HoldTime: DefaultHoldTime}
	if rp.Address == nil {
		e.add(p+".address", "required")
	} else if a, err := netip.ParseAddr(*rp.Address); err != nil || a.Is4In6() || a.IsMulticast() || a.IsUnspecified() {
		e.add(p+".address", "%q is not a unicast IP address", *rp.Address)
	} else {
		peer.Address = a
	}
	peer.ASN = uint32(intIn(e, p, "asn", rp.ASN, 1, 4294967295, true, 0))
	peer.Port = uint16(intIn(e, p, "port", rp.Port, 1, 65535, false, 0))
	if rp.LocalAddress != nil {
		a, err := netip.ParseAddr(*rp.LocalAddress)
		switch {
		case err != nil || a.IsMulticast() || a.IsUnspecified():
			e.add(p+".local_address", "%q is not a unicast IP address", *rp.LocalAddress)
		case peer.Address.IsValid() && a.Is4() != peer.Address.Is4():
			e.add(p+".local_address", "%s is not of the address family of the peer %s", a, peer.Address)
		default:
			peer.LocalAddress = a
		}
	}
	if rp.Password != nil {
		// Linux takes at most TCP_MD5SIG_MAXKEYLEN (80) bytes.
		if n := len(*rp.Password); n == 0 || n > 80 {
			e.add(p+".password", "must be 1 to 80 bytes, is %d", n)
		} else {
			peer.Password = *rp.Password
		}
	}
	peer.HoldTime = duration(e, p, "hold_time", rp.HoldTime, DefaultHoldTime)
	if h := peer.HoldTime; h%time.Second != 0 || h < 3*time.Second || h > 65535*time.Second {
		e.add(p+".hold_time", "%v: BGP takes whole seconds from 3s to 65535s (RFC 4271)", h)
	}
	peer.Multihop = uint8(intIn(e, p, "multihop", rp.Multihop, 1, 255, false, 0))
	bfdKeys := rp.BFDMinTx != nil || rp.BFDMinRx != nil || rp.BFDMultiplier != nil
	switch {
	case rp.BFD != nil && *rp.BFD:
		b := &BFD{}
		b.MinTx = duration(e, p, "bfd_min_tx", rp.BFDMinTx, DefaultBFDTx)
		b.MinRx = duration(e, p, "bfd_min_rx", rp.BFDMinRx, b.MinTx)
		for _, x := range []struct {
			k string
			d time.Duration
		}{{"bfd_min_tx", b.MinTx}, {"bfd_min_rx", b.MinRx}} {
			if x.d < 10*time.Millisecond || x.d > time.Minute || x.d%time.Millisecond != 0 {
				e.add(p+"."+x.k, "%v: must be whole milliseconds from 10ms to 1m", x.d)
			}
		}
		b.Multiplier = uint8(intIn(e, p, "bfd_multiplier", rp.BFDMultiplier, 1, 255, false, DefaultBFDMult))
		peer.BFD = b
	case bfdKeys:
		e.add(p+".bfd", "bfd_min_tx, bfd_min_rx and bfd_multiplier need bfd = true")
	}
	return peer, e.count() == before
}

// parseCommunity reads a standard community as "ASN:VALUE" (each 0..65535).
func parseCommunity(s string) (uint32, error) {
	hi, lo, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("not ASN:VALUE")
	}
	h, err1 := strconv.ParseUint(hi, 10, 16)
	l, err2 := strconv.ParseUint(lo, 10, 16)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("not ASN:VALUE, each 0 to 65535")
	}
	return uint32(h)<<16 | uint32(l), nil
}

// bgpInstanceKeys are the keys of an [[instance]] that a BGP instance
// takes; the others are VRRP's.
func buildBGPInstance(p string, ri rawInstance, e *errs) BGPInstance {
	in := BGPInstance{Interface: "lo", MinUp: 1}
	vrrpOnly := []struct {
		k   string
		set bool
	}{
		{"vrid", ri.VRID != nil}, {"priority", ri.Priority != nil}, {"version", ri.Version != nil},
		{"advert_interval", ri.AdvertInterval != nil}, {"preempt", ri.Preempt != nil},
		{"preempt_delay", ri.PreemptDelay != nil}, {"unicast_peers", ri.UnicastPeers != nil},
		{"unicast_peer", ri.UnicastPeer != nil}, {"v3_checksum_as_v2", ri.V3ChecksumAsV2 != nil},
		{"unicast_src", ri.UnicastSrc != nil}, {"password", ri.Password != nil},
		{"garp", ri.GARP != (rawGARP{})}, {"notify", ri.Notify != nil}, {"notify_master", ri.NotifyMaster != nil},
		{"notify_backup", ri.NotifyBackup != nil}, {"notify_stop", ri.NotifyStop != nil},
		{"notify_fault", ri.NotifyFault != nil}, {"notify_timeout", ri.NotifyTimeout != nil},
		{"use_vmac", ri.UseVMAC != nil}, {"na_router", ri.NARouter != nil},
	}
	for _, x := range vrrpOnly {
		if x.set {
			e.add(p+"."+x.k, "a VRRP key; not one of an instance with mode = \"bgp\"")
		}
	}
	if ri.Name == nil || *ri.Name == "" {
		e.add(p+".name", "required")
	} else {
		in.Name = *ri.Name
	}
	if ri.Interface != nil {
		if *ri.Interface == "" || len(*ri.Interface) > 15 {
			e.add(p+".interface", "%q is not an interface name", *ri.Interface)
		} else {
			in.Interface = *ri.Interface
		}
	}
	if len(ri.VIPs) == 0 {
		e.add(p+".vips", "at least one VIP is required")
	}
	seen := map[netip.Addr]bool{}
	for i, s := range ri.VIPs {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" || a.Is4In6() || a.IsMulticast() || a.IsUnspecified() || a.IsLoopback() || a.IsLinkLocalUnicast() {
			e.add(p+".vips", "entry %d: %q is not a unicast IPv4 or IPv6 address", i+1, s)
			continue
		}
		if seen[a] {
			e.add(p+".vips", "%s is listed twice", a)
			continue
		}
		seen[a] = true
		in.VIPs = append(in.VIPs, a)
	}
	in.MinUp = int(intIn(e, p, "min_up", ri.MinUp, 0, 100000, false, 1))
	in.Track = buildTracks(p, ri, e)
	nth := map[TrackKind]int{}
	for _, t := range in.Track {
		if t.Weight != 0 {
			e.add(fmt.Sprintf("%s.track_%s[%d].weight", p, t.Kind, nth[t.Kind]), "%d: a BGP instance has no priority; a failing object withdraws its VIPs (weight 0)", t.Weight)
		}
		nth[t.Kind]++
	}
	return in
}

// isBGP reports whether the instance at p has mode = "bgp"; it checks
// the mode and that min_up is only given to one.
func isBGP(p string, ri rawInstance, e *errs) bool {
	bgp := false
	if ri.Mode != nil {
		switch *ri.Mode {
		case "vrrp":
		case "bgp":
			bgp = true
		default:
			e.add(p+".mode", "%q is not \"vrrp\" or \"bgp\"", *ri.Mode)
		}
	}
	if !bgp && ri.MinUp != nil {
		e.add(p+".min_up", "only for an instance with mode = \"bgp\"")
	}
	return bgp
}

// vrrpIndex is the index in the file's [[instance]] list of the n-th
// VRRP instance.
func vrrpIndex(ris []rawInstance, n int) int {
	for i, ri := range ris {
		if ri.Mode != nil && *ri.Mode == "bgp" {
			continue
		}
		if n == 0 {
			return i
		}
		n--
	}
	return -1
}
