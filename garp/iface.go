package garp

import "net"

// Interface is net.InterfaceByName for a daemon that keeps the result: the
// standard library's hardware address points into the netlink dump it was
// read from, which would stay alive with it (kilobytes per interface on a
// host with many). This one's address is a copy.
func Interface(name string) (*net.Interface, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, err
	}
	mac := make(net.HardwareAddr, len(ifi.HardwareAddr))
	copy(mac, ifi.HardwareAddr)
	ifi.HardwareAddr = mac
	return ifi, nil
}
