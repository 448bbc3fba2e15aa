package main

import (
	"fmt"
	"io"

	buildversion "github.com/hadirector/hadirector/internal/version"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = ""

func version() string { return buildversion.Of(Version) }

func versionCmd(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, "hadirector", version())
	return 0
}
