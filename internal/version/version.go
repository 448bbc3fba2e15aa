// Package version says which build of hadirector runs: the version the
// build set (-ldflags "-X main.Version=..."), else the module's, else dev.
package version

import "runtime/debug"

// Of is set if the build set it, else the main module's version, else "dev".
func Of(set string) string {
	if set != "" {
		return set
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}
