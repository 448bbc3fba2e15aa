// Package unitenv reads the environment that hadirector's systemd unit
// gives the daemon, so that the benchmarks run it as it is deployed.
package unitenv

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Path is the unit, from the repository's root.
const Path = "dist/hadirector.service"

// Read returns the NAME=VALUE assignments of the Environment= lines of the
// unit at path, in order.
func Read(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the daemon's environment: %w", err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Environment=")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(v) {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || strings.ContainsAny(kv, `"'\`) {
				return nil, fmt.Errorf("%s:%d: %q is not a plain NAME=VALUE", path, n, kv)
			}
			env = append(env, kv)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return env, nil
}
