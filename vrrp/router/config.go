package router

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// Config is what a Daemon runs: its instances, in order, and their sync
// groups. The composition root fills it in from the configuration file.
type Config struct {
	Instances  []InstanceConfig
	SyncGroups []SyncGroup
}

// InstanceConfig is one virtual router's settings.
type InstanceConfig struct {
	Name           string
	Interface      string
	VRID           uint8 // 1..255
	Priority       uint8 // 1..255; 255 owns the addresses
	Version        int   // 2 (RFC 3768) or 3 (RFC 5798)
	AdvertInterval time.Duration
	VIPs           []netip.Addr
	// VIPBits, parallel to VIPs, are the prefix lengths the VIPs are held
	// with; nil: each is a host address (/32, /128).
	VIPBits      []uint8
	Preempt      bool
	PreemptDelay time.Duration
	UnicastPeers []netip.Addr // adverts go to these instead of 224.0.0.18
	// PeerTTLs, parallel to UnicastPeers, are the IP TTLs accepted from
	// each peer; a peer without one: 255 only.
	PeerTTLs   []vrrp.TTLRange
	UnicastSrc netip.Addr // advert source; unset: the interface's first address that is no VIP
	Password   string     // VRRPv2 simple password
	// V3ChecksumAsV2 sends and accepts the VRRPv3 checksum over the
	// message alone, as VRRPv2's (keepalived's v3_checksum_as_v2).
	V3ChecksumAsV2 bool
	GARP           garp.Schedule
	// StartupDelay holds mastership off after the daemon's start.
	StartupDelay time.Duration
	// StartupWait holds mastership off at start until the interface
	// carries traffic, for at most this long.
	StartupWait time.Duration
	// HoldPreemptAtStart does not preempt a master at start until Resume.
	HoldPreemptAtStart bool
	// IPv6 makes the instance an IPv6 virtual router: VRRPv3 over the
	// interface's IPv6 link (Network.Open6), adverts to ff02::12 from its
	// link-local address, neighbour advertisements for the VIPs.
	IPv6 bool
	// NARouter are the IPv6 VIPs announced with the NA router flag.
	NARouter []netip.Addr
	// VMAC runs the instance on its virtual-MAC interface (Network.OpenVMAC):
	// keepalived's use_vmac.
	VMAC bool
	// Track, if set, watches what the instance tracks. Reload compares it
	// with reflect.DeepEqual: its value says what it tracks.
	Track Tracker
}

// SyncGroup is a set of instances that change state together.
type SyncGroup struct {
	Name      string
	Instances []string
}

// Tracker watches an instance's tracked interfaces, scripts and files
// until ctx ends, and reports the fault and the effective priority
// (configured priority base plus the weights that apply) at the first
// complete picture and on every change.
type Tracker interface {
	Run(ctx context.Context, base uint8, log *slog.Logger, report func(fault bool, prio uint8))
}

// startOnly clears the settings that apply to the daemon's start and not
// to a reload.
func (c InstanceConfig) startOnly() InstanceConfig {
	c.StartupDelay, c.StartupWait, c.HoldPreemptAtStart = 0, 0, false
	return c
}

// vipPrefixes are the VIPs with the prefixes they are held with.
func (c *InstanceConfig) vipPrefixes() []netip.Prefix {
	ps := make([]netip.Prefix, len(c.VIPs))
	for k, a := range c.VIPs {
		n := a.BitLen()
		if c.VIPBits != nil {
			n = int(c.VIPBits[k])
		}
		ps[k] = netip.PrefixFrom(a, n)
	}
	return ps
}

// vmacKey names the virtual-MAC interface an instance runs on, "" if none:
// one per interface, family and VRID.
func (c *InstanceConfig) vmacKey() string {
	if !c.VMAC {
		return ""
	}
	return c.vmacID()
}

// vmacID names the virtual-MAC interface the instance would run on with
// use_vmac.
func (c *InstanceConfig) vmacID() string {
	return fmt.Sprintf("%s/%d/%v", c.Interface, c.VRID, c.IPv6)
}

// linkKey names the link an instance runs on: its interface, for IPv6 its
// interface's IPv6 link.
func (c *InstanceConfig) linkKey() string {
	if c.IPv6 {
		return c.Interface + "%ipv6"
	}
	return c.Interface
}
