package integration

import (
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// TestLinkUpReannounce: while a master's link was down, the gateway's
// entry for the VIP moved to another director's MAC (a backup took over,
// and may have died again before the master hears it). When the link
// comes back, the master re-announces at once; its own repeat burst is
// off here, so nothing else could move the gateway back.
func TestLinkUpReannounce(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true,
		Extra: "[instance.garp]\nrepeat_delay = \"0s\"\n"})
	_, next := p.waitState(a, 0, "MASTER")
	p.waitGatewayMACOrSeed(macA)
	must(t, p.lab.Cut("sw", "dA"))
	p.seedGatewayNeigh(macB) // what a backup's GARPs did meanwhile
	must(t, p.lab.Heal("sw", "dA"))
	if _, _, err := a.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "carrier back" }); err != nil {
		t.Fatal(err)
	}
	p.waitGatewayMAC(macA)
}

// waitGatewayMACOrSeed makes sure the gateway has an entry for the VIP
// (it learns one from the GARPs; if it had none, it is given mac).
func (p *pairLab) waitGatewayMACOrSeed(mac string) {
	if p.gatewayMAC() == "" {
		p.seedGatewayNeigh(mac)
	}
}
