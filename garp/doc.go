// Package garp sends gratuitous ARP for virtual IPs, as `arping -U` does, so
// that neighbours' ARP caches point at the new master at once.
package garp
