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
	var out strings.Builder
	proc, err := p.lab.Start("dA", &out, binary, "garp", "-i", "eth0", "-c", "2", "-w", "10ms", vip)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	code, err := proc.Wait(ctx)
	must(t, err)
	if code != 0 {
		t.Fatalf("hadirector garp exited %d: %s", code, strings.Join(proc.Lines(), "\n"))
	}
	if !strings.Contains(out.String(), "sent 2 gratuitous ARP") {
		t.Errorf("output %q, want it to report 2 sent", out.String())
	}
	if got := p.gatewayMAC(); got != macA {
		t.Fatalf("gateway's entry for %s is %q after the GARPs, want %s", vip, got, macA)
	}
}
