package integration

import (
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/pcapfile"
	"github.com/hadirector/hadirector/vrrp"
)

// keepalivedAsV2 are the VRRP messages keepalived sent with
// v3_checksum_as_v2 (VRID 51, priority 150, VIPs 192.0.2.100 and .101, 1 s).
// keepalived 2.2.7, the lab's, has no such option: these were captured
// from 2.2.8 (vrrp/testdata/README.md). Their checksum covers the message
// alone, so they are valid from any source address.
func keepalivedAsV2(t *testing.T) [][]byte {
	t.Helper()
	frames, err := pcapfile.ReadFile("../vrrp/testdata/vrrp_v3_checksum_as_v2.pcap")
	must(t, err)
	var msgs [][]byte
	for _, f := range frames {
		ip, err := f.IPv4()
		must(t, err)
		msgs = append(msgs, ip.Payload)
	}
	return msgs
}

// replay puts keepalived's adverts on dA's wire as 192.0.2.11 sending to
// 224.0.0.18, one every 200 ms (a keepalived master at advert_int 1 sends
// one a second; more often only makes the test shorter), until the test
// ends.
func replay(t *testing.T, p *pairLab, msgs [][]byte) {
	rc := rawSender(t, p.lab, "dA")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		src := netip.MustParseAddr("192.0.2.11")
		for k := 0; ; k++ {
			b := msgs[k%len(msgs)]
			h := &ipv4.Header{Version: 4, Len: 20, TOS: 0xc0, TotalLen: 20 + len(b), TTL: 255,
				Protocol: vrrp.ProtocolNumber, Src: src.AsSlice(), Dst: vrrp.Group.AsSlice()}
			if err := rc.WriteTo(h, b, nil); err != nil {
				t.Errorf("replaying keepalived's advert: %v", err) // not Fatal: not the test's goroutine
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// hadirector with v3_checksum_as_v2 follows keepalived's message-only
// adverts; without it, it drops them as checksum and becomes master.
func TestV3ChecksumAsV2Keepalived(t *testing.T) {
	msgs := keepalivedAsV2(t)
	for _, asV2 := range []bool{true, false} {
		name := "without-option"
		if asV2 {
			name = "with-option"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPairLab(t)
			c := instanceConf{Priority: 100, Version: 3, Interval: "1s", Preempt: true}
			if asV2 {
				c.Extra = "v3_checksum_as_v2 = true"
			}
			hd := p.start("dB", c)
			replay(t, p, msgs)
			if !asV2 {
				if _, _, err := hd.WaitFor(0, waitFor, func(e netlab.Event) bool {
					return e.Str("msg") == "packet dropped" && e.Str("reason") == "checksum"
				}); err != nil {
					t.Errorf("no checksum drop logged: %v", err)
				}
				p.waitState(hd, 0, "MASTER")
				return
			}
			// Twenty adverts are four seconds, more than the
			// Master_Down_Interval (3.6 s): had they been dropped,
			// hadirector would have become master.
			next := 0
			for range 20 {
				next = p.waitAdvertFrom(hd, next, "192.0.2.11")
			}
			if s := transitions(hd); slices.Contains(s, "MASTER") {
				t.Errorf("hadirector became master: transitions %v", s)
			}
			p.wantVIPs("dB", 0)
		})
	}
}

// Two hadirectors with v3_checksum_as_v2 form one pair; one with it and
// one without do not hear each other.
func TestV3ChecksumAsV2Pair(t *testing.T) {
	for _, both := range []bool{true, false} {
		name := "one-side"
		if both {
			name = "both-sides"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPairLab(t)
			a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true, Extra: "v3_checksum_as_v2 = true"})
			p.waitState(a, 0, "MASTER")
			bc := instanceConf{Priority: 100, Version: 3, Interval: "100ms", Preempt: true}
			if both {
				bc.Extra = "v3_checksum_as_v2 = true"
			}
			b := p.start("dB", bc)
			if !both {
				p.waitState(b, 0, "MASTER")
				for _, d := range []*netlab.Proc{a, b} {
					if _, _, err := d.WaitFor(0, waitFor, func(e netlab.Event) bool {
						return e.Str("msg") == "packet dropped" && e.Str("reason") == "checksum"
					}); err != nil {
						t.Errorf("%s logged no checksum drop: %v", d.Name, err)
					}
				}
				return
			}
			next := 0
			for range 20 {
				next = p.waitAdvertFrom(b, next, "192.0.2.11")
			}
			if s := transitions(b); slices.Contains(s, "MASTER") {
				t.Errorf("dB became master beside dA: transitions %v", s)
			}
			p.wantVIPs("dA", 2)
			p.wantVIPs("dB", 0)
		})
	}
}
