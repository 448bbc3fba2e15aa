// Package netio is hadirector's Linux I/O: the VRRP sockets (recvmmsg,
// sendmmsg, control messages), VIPs over rtnetlink, the carrier watch and
// the timerfd the router's scheduler sleeps on. It implements the kernel
// side of vrrp/router's Link and Alarm; kernel-only code lives here and
// nowhere else, in files named _linux.go, and its tests that touch the
// kernel need root (HADIRECTOR_LAB=1) and say so.
package netio
