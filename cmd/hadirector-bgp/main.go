// Command hadirector-bgp is the BGP speaker process of hadirector(8):
// GoBGP as a library, in a process of its own so that a director without
// [bgp] neither links nor maps it. `hadirector run` starts it as its child
// when the file has [bgp] and talks to it over its stdin and stdout (one
// JSON object a line, package internal/bgp); it is not run by hand.
//
// It stops, closing its sessions, when its stdin ends (the director stops
// or dies) or when the director sends nothing for the watchdog time (the
// director is frozen); it dies with the director (parent-death signal).
// It ignores SIGINT, SIGTERM and SIGHUP: those are the director's, which
// withdraws and drains before it stops the speaker.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hadirector/hadirector/internal/bgp"
	"github.com/hadirector/hadirector/internal/bgp/gobgp"
	buildversion "github.com/hadirector/hadirector/internal/version"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = ""

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println(bgp.Program, version())
		return
	}
	if len(os.Args) > 1 || isTerminal(os.Stdin) {
		fmt.Fprintf(os.Stderr, "%s is the BGP speaker process of hadirector(8): `hadirector run` starts it when its file has [bgp].\n"+
			"usage: %s version\n", bgp.Program, bgp.Program)
		os.Exit(2)
	}
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	err := bgp.Serve(os.Stdin, os.Stdout, func(ctx context.Context, cfg bgp.Config, log *slog.Logger) (bgp.Engine, error) {
		return gobgp.Start(ctx, cfg, log)
	})
	if err != nil {
		os.Exit(1)
	}
}

func version() string { return buildversion.Of(Version) }

// isTerminal reports whether f is a character device (a terminal): the
// speaker's stdin is a pipe from the director.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
