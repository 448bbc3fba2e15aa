package convert

import "net/netip"

// family is a vrrp_instance's address family as keepalived 2.2.7 settles
// it: the first address among unicast_src_ip, unicast_peer and
// virtual_ipaddress, in file order, makes the instance IPv4 or IPv6, and
// keepalived skips every later one of the other family with a
// configuration error. virtual_ipaddress_excluded takes either family and
// does not decide.
type family struct{ set, v6 bool }

// fits reports whether a is of the instance's family, settling the family
// on the first address.
func (f *family) fits(a netip.Addr) bool {
	if !f.set {
		f.set, f.v6 = true, a.Is6()
	}
	return a.Is6() == f.v6
}

func (f family) String() string {
	if f.v6 {
		return "IPv6"
	}
	return "IPv4"
}

// hostBits is the prefix length of a host address of the family.
func (f family) hostBits() int {
	if f.v6 {
		return 128
	}
	return 32
}
