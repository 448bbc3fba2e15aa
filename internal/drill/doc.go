// Package drill measures a failover as it happens: it watches the VRRP
// adverts and gratuitous ARPs (IPv6: VRRPv3 over IPv6 and unsolicited NAs) on
// the wire, pings (ping6) a VIP every 10 ms, and turns
// what it saw into a report with the RFC's bound beside it.
package drill
