// Package ipvs programs the kernel's IP Virtual Server table from hadirector's
// desired state, health-checks real servers, and prints the table as ipvsadm does.
// It writes through github.com/moby/ipvs and reads the table over its own
// generic netlink dump (genlmsg.go, the pure wire format; genl_linux.go, the socket).
package ipvs
