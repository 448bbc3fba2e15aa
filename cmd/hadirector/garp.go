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
	router := fs.Bool("router", false, "set the router flag in the neighbour advertisements (IPv6 default gateways)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hadirector garp -i IF [-c N] [-w DURATION] [-router] VIP...")
		fmt.Fprintln(stderr, "sends gratuitous ARP for IPv4 addresses, unsolicited neighbour advertisements for IPv6 ones")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *ifname == "" || fs.NArg() == 0 || *count < 1 || *spacing < 0 {
		fs.Usage()
		return 2
	}
	var vips, v6 []netip.Addr
	for _, a := range fs.Args() {
		ip, err := netip.ParseAddr(a)
		if err != nil || ip.Is4In6() || ip.Zone() != "" {
			fmt.Fprintf(stderr, "hadirector garp: %q is not an IPv4 or IPv6 address\n", a)
			return 2
		}
		vips = append(vips, ip)
		if ip.Is6() {
			v6 = append(v6, ip)
		}
	}
	c, err := garp.Dial(*ifname)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector garp:", err)
		return 1
	}
	defer c.Close()
	if *router {
		c.AddRouters(v6)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	sent, err := garp.Announce(ctx, c, vips, garp.Schedule{Count: *count, Spacing: *spacing}, clock.System{}, log)
	what := "gratuitous ARP(s)"
	switch {
	case len(v6) == len(vips):
		what = "neighbour advertisement(s)"
	case len(v6) > 0:
		what = "gratuitous ARP(s) and neighbour advertisement(s)"
	}
	fmt.Fprintf(stdout, "sent %d %s on %s\n", sent, what, *ifname)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector garp:", err)
		return 1
	}
	return 0
}
