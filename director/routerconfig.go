package director

import (
	"context"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/internal/track"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// routerConfig is the VRRP part of the configuration as the router takes
// it; tracked interfaces are followed on carriers.
func routerConfig(cfg *conf.Config, carriers *netio.Carriers) router.Config {
	var rc router.Config
	for _, ic := range cfg.Instances {
		ri := router.InstanceConfig{
			Name: ic.Name, Interface: ic.Interface, VRID: ic.VRID, Priority: ic.Priority,
			Version: ic.Version, AdvertInterval: ic.AdvertInterval, VIPs: ic.VIPs, VIPBits: ic.VIPBits,
			Preempt: ic.Preempt, PreemptDelay: ic.PreemptDelay,
			UnicastPeers: ic.UnicastPeers, UnicastSrc: ic.UnicastSrc, Password: ic.Password,
			V3ChecksumAsV2: ic.V3ChecksumAsV2,
			GARP:           garp.Schedule{Count: ic.GARP.Count, Spacing: ic.GARP.Spacing, RepeatDelay: ic.GARP.RepeatDelay, Refresh: ic.GARP.Refresh},
			StartupDelay:   ic.StartupDelay, StartupWait: ic.StartupWait, HoldPreemptAtStart: ic.HoldPreemptAtStart,
			IPv6: ic.IPv6, NARouter: ic.NARouter, VMAC: ic.UseVMAC,
		}
		for _, t := range ic.PeerTTLs {
			ri.PeerTTLs = append(ri.PeerTTLs, vrrp.TTLRange{Min: t.Min, Max: t.Max})
		}
		if len(ic.Track) > 0 {
			ri.Track = tracker{ic.Track, carriers}
		}
		rc.Instances = append(rc.Instances, ri)
	}
	for _, sg := range cfg.SyncGroups {
		rc.SyncGroups = append(rc.SyncGroups, router.SyncGroup{Name: sg.Name, Instances: sg.Instances})
	}
	return rc
}

// tracker runs an instance's track_interface, track_script and track_file.
type tracker struct {
	ts       []conf.Track
	carriers *netio.Carriers
}

func (t tracker) Run(ctx context.Context, base uint8, log *slog.Logger, report func(fault bool, prio uint8)) {
	track.Run(ctx, t.ts, base, t.carriers, log, func(fault bool, prio uint8, _ string) { report(fault, prio) })
}

// network is the router's Network on this host's kernel. Its carrier
// watch is the subscription the instances' track_interface share.
type network struct{ carriers *netio.Carriers }

func (network) Open(ifname string) (router.Link, error) {
	l, err := netio.Open(ifname)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (network) Open6(ifname string) (router.Link, error) {
	l, err := netio.Open6(ifname)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (network) OpenVMAC(ifname string, vrid uint8, v6 bool) (router.Link, error) {
	l, err := netio.OpenVMAC(ifname, vrid, v6)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (network) RemoveStaleVMAC(ifname string, vrid uint8, v6 bool) (bool, error) {
	return netio.RemoveStaleVMAC(ifname, vrid, v6)
}

func (n network) WatchCarrier(ctx context.Context, log *slog.Logger, fn func(string, bool)) error {
	return n.carriers.Watch(ctx, log, fn)
}

func (network) WaitTraffic(ctx context.Context, ifname string, log *slog.Logger) bool {
	return netio.WaitTraffic(ctx, ifname, log)
}

func (network) NewAlarm() (router.Alarm, error) {
	t, err := netio.NewTimer()
	if err != nil {
		return nil, err
	}
	return t, nil
}
