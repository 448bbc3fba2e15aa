package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp"
)

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "/etc/hadirector/hadirector.toml", "configuration file")
	sock := fs.String("s", control.DefaultPath, "control socket (empty: none)")
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
	log, err := lf.logger(stderr, cfg.Global.LogLevel)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	d, err := vrrp.NewDaemon(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	ctlCtx, ctlStop := context.WithCancel(context.Background())
	defer ctlStop()
	if *sock != "" {
		wait, err := serveControl(ctlCtx, *sock, d, log)
		if err != nil {
			log.Error("cannot start", "err", err)
			return 1
		}
		defer wait()
		defer ctlStop()
	}
	log.Info("started", "config", cfg.File, "instances", len(cfg.Instances), "version", version())
	if err := d.Run(ctx); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
