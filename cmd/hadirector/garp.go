package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os/signal"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/internal/clock"
)

func garpCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("garp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ifname := fs.String("i", "", "interface to send on (required)")
	count := fs.Int("c", 3, "packets per address")
	spacing := fs.Duration("w", time.Second, "wait between packets (arping -U waits 1s)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hadirector garp -i IF [-c N] [-w DURATION] VIP...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *ifname == "" || fs.NArg() == 0 || *count < 1 || *spacing < 0 {
		fs.Usage()
		return 2
	}
	var vips []netip.Addr
	for _, a := range fs.Args() {
		ip, err := netip.ParseAddr(a)
		if err != nil || !ip.Is4() {
			fmt.Fprintf(stderr, "hadirector garp: %q is not an IPv4 address\n", a)
			return 2
		}
		vips = append(vips, ip)
	}
	c, err := garp.Dial(*ifname)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector garp:", err)
		return 1
	}
	defer c.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	sent, err := garp.Announce(ctx, c, vips, garp.Schedule{Count: *count, Spacing: *spacing}, clock.System{}, log)
	fmt.Fprintf(stdout, "sent %d gratuitous ARP(s) on %s\n", sent, *ifname)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector garp:", err)
		return 1
	}
	return 0
}
