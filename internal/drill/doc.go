// Package drill measures a failover as it happens: it watches the VRRP
// adverts and gratuitous ARPs on the wire, pings a VIP every 10 ms, and turns
// what it saw into a report with the RFC's bound beside it.
package drill
