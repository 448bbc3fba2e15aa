package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCmd(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, "hadirector", version())
	return 0
}
