// Package ipvs programs the kernel's IP Virtual Server table from hadirector's
// desired state, health-checks real servers, and prints the table as ipvsadm does.
// It speaks IPVS generic netlink itself: the dumps it reads the table with
// (genlmsg.go) and the requests it writes with (genlreq.go) are pure wire
// formats, sent over one socket (genl_linux.go). github.com/moby/ipvs gives
// the types the Kernel seam passes.
package ipvs
