//go:build !bgp

package director

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/conf"
)

// A build without the speaker refuses a [bgp] file with the way to get one,
// and names the file.
func TestOpenSpeakerWithoutBGP(t *testing.T) {
	if BuiltWithBGP {
		t.Fatal("BuiltWithBGP in a build without the bgp tag")
	}
	_, err := openSpeaker(context.Background(), &conf.Config{File: "/etc/hadirector/hadirector.toml"}, nil)
	if !errors.Is(err, errNoBGP) {
		t.Fatalf("openSpeaker: %v, want errNoBGP", err)
	}
	if !strings.HasPrefix(err.Error(), "/etc/hadirector/hadirector.toml: ") || !strings.Contains(err.Error(), "-tags bgp") {
		t.Errorf("error %q does not name the file and the build tag", err)
	}
}
