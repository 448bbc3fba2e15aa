// Package netio is hadirector's Linux I/O for VRRP: the raw sockets of
// either family (recvmmsg, sendmmsg, control messages, a send socket the
// poller does not hold; Open for IPv4, Open6 for IPv6), VIPs and addresses
// over rtnetlink (IPv6 VIPs nodad), the virtual-MAC macvlan of use_vmac
// (OpenVMAC) with its sysctls, Carriers (one link-event
// subscription that the router and every track_interface share), and the
// timerfd the router's scheduler sleeps on. Link is a vrrp/router.Link and
// Timer a router.Alarm, by their methods: netio imports vrrp for the
// codec's types, never the router. Kernel code lives in _linux.go files
// here and nowhere else in the VRRP path; its tests that touch the kernel
// need root and HADIRECTOR_LAB=1, and skip saying so otherwise.
package netio
