// Package garp sends gratuitous ARP for virtual IPs, as `arping -U` does, so
// that neighbours' ARP caches point at the new master at once: the frame
// codec, an AF_PACKET socket (Conn), and a Schedule of bursts whose Next
// says when each round is due. It keeps no timers of its own: the router's
// scheduler fires the rounds of a master's schedule, and Announce runs one
// schedule to the end for the one-shot command.
package garp
