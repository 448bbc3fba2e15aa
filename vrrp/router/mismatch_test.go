package router

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// A VRRPv3 backup follows a master whose advert lists other addresses than
// its own VIPs (a rolling VIP change, keepalived's virtual_ipaddress_excluded):
// the advert is processed, counted as a mismatch, logged once per period.
// A VRRPv2 instance drops it, as RFC 3768 says.
func TestInstanceAddrListMismatch(t *testing.T) {
	for _, version := range []int{2, 3} {
		t.Run(fmt.Sprint("v", version), func(t *testing.T) {
			var buf bytes.Buffer
			cfg := ownerConfig()
			cfg.Priority, cfg.Version = 100, version
			cfg.VIPs = []netip.Addr{netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("192.0.2.101")}
			inst := newTestInstance(cfg, testDeps{Tx: nopTx{}, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 16)},
				Src: netip.MustParseAddr("192.0.2.11"), Log: slog.New(slog.NewTextHandler(&buf, nil))})
			ctx, cancel := context.WithCancel(context.Background())
			done := startTest(ctx, inst, time.Now())
			defer func() { cancel(); <-done }()

			// The master keeps 192.0.2.101 out of its adverts.
			p := vrrp.Packet{Version: uint8(version), Type: 1, VRID: 7, Priority: 200, AdvertInterval: time.Second,
				Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}
			info := vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), Dst: vrrp.Group, TTL: 255}
			for range 3 {
				inst.onAdvert(p, info, time.Now())
			}
			st := inst.Status()
			logged := strings.Count(buf.String(), "advert address list differs")
			if version == 2 {
				if st.AdvertsIn != 0 || st.Drops["addr_count"] != 3 || st.AddrListMismatch != 0 || logged != 0 {
					t.Errorf("v2: adverts in %d, drops %v, mismatches %d, %d mismatch lines; want 0, addr_count=3, 0, 0",
						st.AdvertsIn, st.Drops, st.AddrListMismatch, logged)
				}
				return
			}
			if st.AdvertsIn != 3 || len(st.Drops) != 0 || st.AddrListMismatch != 3 {
				t.Errorf("v3: adverts in %d, drops %v, mismatches %d; want 3, none, 3", st.AdvertsIn, st.Drops, st.AddrListMismatch)
			}
			if st.Master != "192.0.2.12" || st.State != vrrp.Backup {
				t.Errorf("v3: state %s, master %q; want BACKUP following 192.0.2.12", st.State, st.Master)
			}
			if logged != 1 || !strings.Contains(buf.String(), "VIP 192.0.2.101 missing from the advert") {
				t.Errorf("v3: %d mismatch lines, want 1 naming the missing VIP:\n%s", logged, buf.String())
			}
		})
	}
}

// Mismatches are rate-limited apart from drops: a flood of drops does not
// hide the first mismatch, and the next line counts the ones not logged.
func TestDropLogMismatchRateLimit(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var d dropLog
	src := netip.MustParseAddr("192.0.2.9")
	addrs, vips := []netip.Addr{vip100}, []netip.Addr{vip100, vip101}
	d.log(log, vrrp.ReasonTTL, src, &vrrp.DropError{Reason: vrrp.ReasonTTL, Detail: "x"}, t0)
	for i := range 100 {
		d.mismatch(log, src, addrs, vips, t0.Add(time.Duration(i)*time.Millisecond))
	}
	d.mismatch(log, src, addrs, vips, t0.Add(dropLogEvery))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[1], "differs") || !strings.Contains(lines[2], "unlogged_since_last=99") {
		t.Errorf("mismatch lines:\n%s", buf.String())
	}
}
