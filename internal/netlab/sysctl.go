package netlab

import (
	"fmt"
	"os"
	"strings"

	"github.com/hadirector/hadirector/internal/nsenter"
)

// Sysctl sets the network sysctls (name=value, as sysctl -w takes them)
// inside the namespace, from this process: /proc/sys/net is the namespace
// of the thread that opens it, so no `ip netns exec sysctl` is spawned.
func (l *Lab) Sysctl(ns string, settings ...string) error {
	return nsenter.Do(nsenter.Path(l.NS(ns)), func() error {
		for _, s := range settings {
			name, value, ok := strings.Cut(s, "=")
			if !ok || !strings.HasPrefix(name, "net.") {
				return fmt.Errorf("lab: sysctl %q: want net.NAME=VALUE", s)
			}
			path := "/proc/sys/" + strings.ReplaceAll(name, ".", "/")
			if err := os.WriteFile(path, []byte(value), 0); err != nil {
				return fmt.Errorf("in %s: sysctl %s: %w", ns, s, err)
			}
		}
		return nil
	})
}
