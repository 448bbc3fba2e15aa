package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/director"
	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/internal/journal"
	"github.com/hadirector/hadirector/internal/logw"
)

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "/etc/hadirector/hadirector.toml", "configuration file")
	sock := fs.String("s", control.DefaultPath, "control socket (empty: none)")
	speaker := fs.String("bgp-speaker", "", "the BGP speaker program (default: hadirector-bgp next to this binary, or in ../lib/hadirector/ from it)")
	var lf logFlags
	lf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := conf.Load(*file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// Taken before logw wraps stderr: JOURNAL_STREAM names stderr itself.
	journaled := journal.Is(stderr)
	// The log never blocks the daemon: a full disk or a pipe nobody reads
	// costs log lines (counted and reported), not a state machine.
	lostPrefix := ""
	if journaled {
		lostPrefix = "<4>"
	}
	logOut := logw.New(stderr, 4096, lostPrefix)
	defer logOut.Close()
	log, err := lf.logger(logOut, cfg.Global.LogLevel, journaled)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var level *slog.LevelVar // a reload sets the level unless -log-level was given
	if lf.level == "" {
		level = &lf.levelVar
	}
	d, err := director.Start(ctx, cfg, log, director.Options{Socket: *sock, Version: version(), Level: level, BGPSpeaker: *speaker})
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if err := d.Run(ctx); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
