//go:build !bgp

package director

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
)

// BuiltWithBGP says whether this binary links the BGP speaker. The default
// build does not: GoBGP and its dependencies would double the binary and
// add about 8 MiB to the resident memory of every director, VRRP-only ones
// included. `go build -tags bgp ./cmd/hadirector` links it.
const BuiltWithBGP = false

// errNoBGP is openSpeaker's answer in a build without the speaker.
var errNoBGP = errors.New("[bgp]: this hadirector was built without the BGP speaker; build it with `go build -tags bgp ./cmd/hadirector`")

// openSpeaker refuses: this build has no BGP speaker.
func openSpeaker(_ context.Context, cfg *conf.Config, _ *slog.Logger) (Speaker, error) {
	return nil, fmt.Errorf("%s: %w", cfg.File, errNoBGP)
}
