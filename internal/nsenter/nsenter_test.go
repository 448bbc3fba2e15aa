package nsenter

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/vishvananda/netns"
)

// Do runs its function in the namespace named, hands back its error, and
// refuses a namespace that does not exist without running anything.
func TestDo(t *testing.T) {
	if os.Getenv("HADIRECTOR_LAB") == "" || os.Getuid() != 0 {
		t.Skip("needs root and HADIRECTOR_LAB=1 (scripts/test-all)")
	}
	name := fmt.Sprintf("hd-nsenter-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	target, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	var inside string
	err = Do(Path(name), func() error {
		h, err := netns.Get()
		if err != nil {
			return err
		}
		defer h.Close()
		inside = h.UniqueId()
		return nil
	})
	if err != nil || inside != target.UniqueId() {
		t.Fatalf("Do ran in namespace %q (err %v), want %q", inside, err, target.UniqueId())
	}
	errF := errors.New("from f")
	if err := Do(Path(name), func() error { return errF }); !errors.Is(err, errF) {
		t.Fatalf("Do returned %v, want f's error", err)
	}
	if err := Do(Path(name+"-absent"), func() error { t.Fatal("f ran for an absent namespace"); return nil }); err == nil {
		t.Fatal("Do accepted an absent namespace")
	}
}
