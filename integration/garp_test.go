package integration

import (
	"context"
	"strings"
	"testing"
)

// `hadirector garp` moves a neighbour's ARP entry for an address to our MAC,
// as `arping -U` would.
func TestGarpCommandMovesGatewayEntry(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.seedGatewayNeigh(macB)
	if out := p.garp(vip); !strings.Contains(out, "sent 2 gratuitous ARP") {
		t.Errorf("output %q, want it to report 2 sent", out)
	}
	if got := p.gatewayMAC(); got != macA {
		t.Fatalf("gateway's entry for %s is %q after the GARPs, want %s", vip, got, macA)
	}
}

// garp runs `hadirector garp -i eth0 -c 2 -w 10ms ARGS` in dA and returns
// its output once it has exited 0.
func (p *pairLab) garp(args ...string) string {
	p.t.Helper()
	var out strings.Builder
	proc, err := p.lab.Start("dA", &out, append([]string{binary, "garp", "-i", "eth0", "-c", "2", "-w", "10ms"}, args...)...)
	must(p.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	code, err := proc.Wait(ctx)
	must(p.t, err)
	if code != 0 {
		p.t.Fatalf("hadirector garp %v exited %d: %s", args, code, strings.Join(proc.Lines(), "\n"))
	}
	return out.String()
}
