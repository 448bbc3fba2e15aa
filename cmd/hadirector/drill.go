package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/internal/drill"
)

func drillCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o drill.Options
	fs.StringVar(&o.Socket, "s", control.DefaultPath, "control socket of the local (master) daemon")
	fs.StringVar(&o.Instance, "i", "", "instance to drill (default: the first this host is master of)")
	fs.BoolVar(&o.Planned, "planned", false, "planned switchover: step down make-before-break instead of simulating the master's loss")
	fs.StringVar(&o.PingNetns, "ping-netns", "", "ping the VIP from this network namespace (a path such as /run/netns/client)")
	fs.BoolVar(&o.Stay, "stay", false, "planned: leave this director on hold afterwards (default: resume, so it preempts back)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	htmlPath := fs.String("html", "", "also write the report with the drill's timeline as one self-contained HTML page to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	r, err := drill.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector drill:", err)
		return 1
	}
	if *asJSON {
		r.WriteJSON(stdout)
	} else {
		r.WriteText(stdout)
	}
	if *htmlPath != "" {
		if err := writeHTML(*htmlPath, r); err != nil {
			fmt.Fprintln(stderr, "hadirector drill:", err)
			return 1
		}
	}
	if len(r.Problems) > 0 {
		return 1
	}
	return 0
}

// writeHTML writes the drill's page to path.
func writeHTML(path string, r drill.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.WriteHTML(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
