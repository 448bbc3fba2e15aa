package netio

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

// labNamespaces skips a test that needs root and the lab, and otherwise
// makes n network namespaces, deleted when the test ends, and returns
// their names and a runner of ip commands that fails the test.
func labNamespaces(t *testing.T, n int) (names []string, ip func(args ...string)) {
	t.Helper()
	if os.Getenv("HADIRECTOR_LAB") == "" || os.Getuid() != 0 {
		t.Skip("needs root and HADIRECTOR_LAB=1 (scripts/test-all)")
	}
	ip = func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	tag := rand.Uint32()
	for k := range n {
		name := fmt.Sprintf("hd%08x%c", tag, 'a'+k)
		ip("netns", "add", name)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
		names = append(names, name)
	}
	return names, ip
}
