//go:build bgp

package director

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/bgp"
)

// BuiltWithBGP says whether this binary links the BGP speaker.
const BuiltWithBGP = true

// openSpeaker starts GoBGP with the file's [bgp] identity and peers.
func openSpeaker(ctx context.Context, cfg *conf.Config, log *slog.Logger) (Speaker, error) {
	b := cfg.BGP
	bc := bgp.Config{ASN: b.ASN, RouterID: b.RouterID, Communities: b.Communities, NextHop4: b.NextHop, NextHop6: b.NextHop6}
	for _, p := range b.Peers {
		bp := bgp.Peer{Address: p.Address, ASN: p.ASN, Port: p.Port, LocalAddress: p.LocalAddress,
			Password: p.Password, HoldTime: p.HoldTime, Multihop: p.Multihop}
		if p.BFD != nil {
			bp.BFD = &bgp.BFD{MinTx: p.BFD.MinTx, MinRx: p.BFD.MinRx, Multiplier: p.BFD.Multiplier}
		}
		bc.Peers = append(bc.Peers, bp)
	}
	sp, err := bgp.Start(ctx, bc, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	return sp, nil
}
