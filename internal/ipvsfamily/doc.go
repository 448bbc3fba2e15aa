// Package ipvsfamily finds the kernel's IPVS generic netlink family before
// anything talks IPVS netlink, so that a kernel without IPVS gives one clear
// error instead of a failure deep in a netlink library (moby/ipvs indexes
// an empty reply and panics when the family is missing).
package ipvsfamily
