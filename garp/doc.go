// Package garp sends gratuitous ARP for virtual IPs, as `arping -U` does, so
// that neighbours' ARP caches point at the new master at once: the frame
// codec, an AF_PACKET socket (Conn), a Schedule of bursts, and Announcers
// whose later rounds a Rounds runner fires, the one its owner (the router's
// daemon) runs.
package garp
