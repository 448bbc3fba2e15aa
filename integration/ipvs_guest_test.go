package integration

import (
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

// TestIPVSInGuest runs the ipvs package's InGuest tests against the real
// kernel's IPVS in a qemu guest, where they cross-check the reconciler and
// the listings with ipvsadm.
func TestIPVSInGuest(t *testing.T) {
	needLab(t)
	k, err := guest.FindKernel("/")
	if err != nil {
		t.Fatal(err)
	}
	img := guest.Image{Kernel: k, Modules: guest.IPVSModules, Binaries: guest.IPVSTools}
	guest.GoTest(t, "../ipvs", img, 5*time.Minute, "-test.v", "-test.run", "InGuest")
}
