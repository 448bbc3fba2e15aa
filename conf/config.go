// Package conf reads hadirector's TOML file into a typed, validated Config.
// Nothing else in hadirector reads TOML.
package conf

import (
	"net/netip"
	"time"
)

// Config is a whole, validated configuration file.
type Config struct {
	// File is the path the configuration was read from.
	File      string
	Global    Global
	Instances []Instance
	IPVS      IPVS
	// Sync, if set, runs the kernel's connection-sync daemons.
	Sync *Sync
	// SyncGroups are instances that change state together.
	SyncGroups []SyncGroup
	// BGP, if set, announces the instances with mode = "bgp" to routers.
	BGP *BGP
}

// SyncGroup is keepalived's vrrp_sync_group: when one member becomes
// master the others follow, when one leaves master for backup the others
// follow, and a fault of one is a fault of all. Notify runs on the
// group's own state: MASTER or BACKUP once every member is, FAULT as soon
// as one is, STOP once all have stopped.
type SyncGroup struct {
	Name      string
	Instances []string
	Notify    Notify
}

// Global holds settings that apply to the whole daemon.
type Global struct {
	// LogLevel is one of debug, info, warn, error (default info).
	LogLevel string
	// MetricsAddress, if valid, is where Prometheus metrics are served
	// (GET /metrics), as IP:port.
	MetricsAddress netip.AddrPort
	// NotifyFIFO, if set, is a FIFO (made if missing) that receives a line
	// per transition in keepalived's notify_fifo format.
	NotifyFIFO string
	// StartupDelay holds every instance off mastership for this long after
	// the daemon starts (it listens as Backup meanwhile).
	StartupDelay time.Duration
	// StartupWaitTraffic holds every instance off mastership at start until
	// its interface is up and has received packets, for at most
	// StartupWaitMax.
	StartupWaitTraffic bool
	StartupWaitMax     time.Duration
}

// Instance is one VRRP virtual router on one interface.
type Instance struct {
	Name      string
	Interface string
	VRID      uint8 // 1..255
	Priority  uint8 // 1..255; 255 means address owner
	Preempt   bool  // default true
	// HoldPreemptAtStart is set on the instance that owns connection sync
	// when [sync] failback_hold is on: after start it does not preempt a
	// master until the sync catch-up releases it.
	HoldPreemptAtStart bool
	Version            int // 2 (RFC 3768) or 3 (RFC 5798); default 3
	// AdvertInterval: v2 whole seconds (1s..255s), v3 10ms..40.95s in 10ms steps; default 1s.
	AdvertInterval time.Duration
	// VIPs are all IPv4 (each held as VIP/32 brd VIP) or all IPv6 (each
	// held as VIP/128, or with the prefix VIPBits gives, nodad); an IPv6
	// instance's first VIP is a link-local one if it has any.
	VIPs []netip.Addr
	// VIPBits, parallel to VIPs, are the IPv6 VIPs' prefix lengths; nil
	// when every VIP is a host address (/32, /128).
	VIPBits []uint8
	// IPv6 says the instance is an IPv6 virtual router: VRRPv3 over IPv6,
	// adverts to ff02::12 from the interface's link-local address, and
	// unsolicited neighbour advertisements instead of gratuitous ARP.
	IPv6 bool
	// UseVMAC makes the master hold its VIPs on a macvlan with the virtual
	// router MAC (00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID), as
	// keepalived's use_vmac; off by default.
	UseVMAC bool
	// NARouter lists the IPv6 VIPs announced with the neighbour
	// advertisement's router flag: those the hosts use as default gateway.
	NARouter     []netip.Addr
	PreemptDelay time.Duration
	// UnicastPeers, when set, replaces multicast: adverts go to each peer and
	// only adverts from these peers are accepted.
	UnicastPeers []netip.Addr
	// PeerTTLs, parallel to UnicastPeers, are the IP TTLs accepted from
	// each peer; nil when every peer must send TTL 255, as RFC 5798 says.
	PeerTTLs []PeerTTL
	// UnicastSrc is the source address for adverts; zero means the interface's
	// primary IPv4 address (IPv6: its link-local address).
	UnicastSrc netip.Addr
	// V3ChecksumAsV2 computes the VRRPv3 checksum over the message alone,
	// as VRRPv2 does, without RFC 5798's IPv4 pseudo-header: adverts go out
	// so and only so are accepted (keepalived's v3_checksum_as_v2).
	V3ChecksumAsV2 bool
	// Password enables VRRPv2 simple-password authentication (auth type 1), at most 8 bytes.
	Password string
	GARP     GARP
	// Notify is nil when the instance runs no command: most instances of a
	// large director have none, and the commands take 128 bytes.
	Notify *Notify
	// StartupDelay is [global] startup_delay, repeated here for the state
	// machine.
	StartupDelay time.Duration
	// StartupWait, when set ([global] startup_wait_traffic), holds
	// mastership off at start until the interface is up and has carried
	// traffic, for at most this long ([global] startup_wait_max).
	StartupWait time.Duration
	// Track lists what the instance depends on (keepalived's
	// track_interface, track_script, track_file).
	Track []Track
}

// PeerTTL is the inclusive range of IP TTLs accepted from a unicast peer:
// one behind routers arrives with less than 255.
type PeerTTL struct{ Min, Max uint8 }

// Notify lists the commands run on the instance's transitions: each is a
// program's absolute path and its arguments, run without a shell.
type Notify struct {
	// Any runs on every transition with "INSTANCE" NAME STATE PRIORITY
	// appended, as keepalived's notify does.
	Any []string
	// Master, Backup, Stop and Fault run on entering that state (Stop: the
	// instance stops; Fault: tracking faulted it), with no argument appended.
	Master, Backup, Stop, Fault []string
	// Timeout bounds each command, which is killed after it; default 10s.
	Timeout time.Duration
}

// Set reports whether any command is configured.
func (n Notify) Set() bool {
	return n.Any != nil || n.Master != nil || n.Backup != nil || n.Stop != nil || n.Fault != nil
}

// For returns the command for entering a state word (MASTER, BACKUP,
// FAULT, STOP), or nil.
func (n Notify) For(state string) []string {
	switch state {
	case "MASTER":
		return n.Master
	case "BACKUP":
		return n.Backup
	case "FAULT":
		return n.Fault
	case "STOP":
		return n.Stop
	}
	return nil
}

// GARP says how gratuitous ARP is sent when an instance becomes master.
type GARP struct {
	Count       int           // packets per VIP per burst; default 5
	Spacing     time.Duration // between packets of a burst; default 0
	RepeatDelay time.Duration // delay before the second burst; default 5s; 0 disables it
	Refresh     time.Duration // periodic burst while master; 0 (default) disables it
}
