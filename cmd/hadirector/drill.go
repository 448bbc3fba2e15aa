package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

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
	fs.StringVar(&o.PingNetns, "ping-netns", "", "ping the VIP (bgp: open the streams) from this network namespace (a path such as /run/netns/client)")
	fs.BoolVar(&o.Stay, "stay", false, "planned: leave this director on hold afterwards (default: resume, so it preempts back); bgp: leave it drained")
	bgp := fs.Bool("bgp", false, "on a BGP director: drain it with TCP streams open to its VIP, and report the router's next hops, the flows that moved and the streams that survived")
	var b drill.BGPOptions
	fs.IntVar(&b.Streams, "streams", 20, "bgp: long-lived TCP streams to open to the VIP")
	port := fs.Uint("port", 80, "bgp: the VIP's TCP port the streams connect to (the server answers each line \"SEQ\" with \"SEQ\" or \"NAME SEQ\")")
	fs.DurationVar(&b.Period, "period", 200*time.Millisecond, "bgp: each stream's exchange period")
	fs.DurationVar(&b.Window, "window", 3*time.Second, "bgp: how long the streams keep exchanging once the VIP is withdrawn")
	fs.StringVar(&b.RouterCmd, "router-cmd", "", "bgp: shell command printing the router's 'show ip route {vip}/32 json' (FRR); {vip} is replaced")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	htmlPath := fs.String("html", "", "also write the report with the drill's timeline as one self-contained HTML page to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *bgp {
		if *port == 0 || *port > 65535 || b.Streams < 1 || b.Period <= 0 || b.Window < 0 {
			fmt.Fprintln(stderr, "hadirector drill: --bgp needs -port 1..65535, -streams >= 1, -period > 0 and -window >= 0")
			return 2
		}
		if o.Planned || *htmlPath != "" {
			fmt.Fprintln(stderr, "hadirector drill: --bgp takes neither --planned nor --html")
			return 2
		}
		b.Socket, b.PingNetns, b.Stay, b.Port, b.IPVSConns = o.Socket, o.PingNetns, o.Stay, uint16(*port), "/proc/net/ip_vs_conn"
		return drillBGP(ctx, b, *asJSON, stdout, stderr)
	}
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

// drillBGP runs the BGP drain drill and prints its report.
func drillBGP(ctx context.Context, b drill.BGPOptions, asJSON bool, stdout, stderr io.Writer) int {
	r, err := drill.RunBGP(ctx, b)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector drill:", err)
		return 1
	}
	if asJSON {
		r.WriteJSON(stdout)
	} else {
		r.WriteText(stdout)
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
