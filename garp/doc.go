// Package garp sends gratuitous ARP for virtual IPs, as `arping -U` does, and
// unsolicited neighbour advertisements for IPv6 ones (RFC 4861 7.2.6), so
// that neighbours' caches point at the new master at once: the frame
// codecs, an AF_PACKET socket (Conn), and a Schedule of bursts whose Next
// says when each round is due. It keeps no timers of its own: the router's
// scheduler fires the rounds of a master's schedule, and Announce runs one
// schedule to the end for the one-shot command.
package garp
