package integration

import (
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

// TestSyncInGuest runs the sync package's InGuest tests in a qemu guest:
// daemon control against ipvsadm -L --daemon, and the codec against
// messages the kernel's master thread sends.
func TestSyncInGuest(t *testing.T) {
	needLab(t)
	k, err := guest.FindKernel("/")
	if err != nil {
		t.Fatal(err)
	}
	img := guest.Image{Kernel: k, Modules: guest.IPVSModules, Binaries: guest.IPVSTools}
	guest.GoTest(t, "../sync", img, 5*time.Minute, "-test.v", "-test.run", "InGuest")
}
