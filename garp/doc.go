// Package garp sends gratuitous ARP for virtual IPs, as `arping -U` does, and
// unsolicited neighbour advertisements for IPv6 ones (RFC 4861 7.2.6), so
// that neighbours' caches point at the new master at once: the frame
// codecs, an AF_PACKET socket (Conn), a Schedule of bursts, and Announcers
// whose later rounds a Rounds runner fires, the one its owner (the router's
// daemon) runs.
package garp
