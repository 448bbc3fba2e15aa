// Package bgp runs a director's BGP speaker in its own process and talks
// to it. The speaker (cmd/hadirector-bgp, GoBGP as a library, package
// gobgp) is a child of the director: it lives only while the director
// does (the parent-death signal, EOF on its input, a watchdog on the
// director's heartbeat), and the director restarts it with backoff when it
// dies, announcing again what the decision says. Between them runs a
// small typed protocol, one JSON object a line (Request, Reply).
//
// The split keeps GoBGP, gRPC and protobuf out of the director's binary:
// a director without [bgp] maps none of it.
package bgp
