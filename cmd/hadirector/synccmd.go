package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os/signal"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/control"
	lvssync "github.com/hadirector/hadirector/sync"
)

var syncCommands = []command{
	{"watch", "join the sync group and print what the masters send (-i IF, --stats, --hex)", syncWatchCmd},
	{"status", "the running daemon's sync: mode, the kernel's threads, the fail-back hold (--json)", syncStatusCmd},
	{"daemons", "the kernel's sync threads, as ipvsadm -L --daemon prints them", syncDaemonsCmd},
}

// syncCmd dispatches "hadirector sync SUBCOMMAND".
func syncCmd(args []string, stdout, stderr io.Writer) int {
	return dispatchIn("hadirector sync", syncCommands, args, stdout, stderr)
}

// syncWatchCmd joins the sync group and prints what the masters send.
func syncWatchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sync watch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ifname := fs.String("i", "", "interface to join the sync group on (required)")
	group := fs.String("group", lvssync.DefaultGroup, "multicast group, IPv4 or IPv6 (as [sync] group)")
	port := fs.Uint("port", lvssync.DefaultPort, "UDP port")
	stats := fs.Bool("stats", false, "print messages and connections per second instead of each message")
	hexOut := fs.Bool("hex", false, "also print each datagram in hex")
	count := fs.Int("count", 0, "exit after this many datagrams (0: run until interrupted)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	g, err := netip.ParseAddr(*group)
	if *ifname == "" || err != nil || *port == 0 || *port > 65535 {
		fmt.Fprintln(stderr, "hadirector sync watch: give -i IF, and a valid --group and --port")
		return 2
	}
	l, err := lvssync.Listen(*ifname, g, uint16(*port))
	if err != nil {
		fmt.Fprintln(stderr, "hadirector sync watch:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() { <-ctx.Done(); l.Close() }()

	if err := watchSync(l, *count, *stats, *hexOut, time.Now(), stdout); err != nil {
		fmt.Fprintln(stderr, "hadirector sync watch:", err)
		return 1
	}
	return 0
}

// watchSync prints what src receives, each datagram decoded or, with
// stats, messages and connections per second (from start, at the first
// datagram a second or more after the last report), and totals at the end.
// It stops after count datagrams (0: until src is closed).
func watchSync(src lvssync.Source, count int, stats, withHex bool, start time.Time, stdout io.Writer) error {
	var msgs, conns, bad, lastMsgs, lastConns int
	tick := start
	for n := 0; count == 0 || n < count; n++ {
		d, err := src.Read()
		if err != nil {
			if lvssync.Closed(err) {
				break
			}
			return err
		}
		msgs++
		if d.Err != nil {
			bad++
		} else {
			conns += len(d.Msg.Conns)
		}
		if stats {
			if el := d.At.Sub(tick); el >= time.Second {
				fmt.Fprintf(stdout, "%s %.1f msg/s %.1f conn/s (%d undecodable in all)\n", d.At.Format("15:04:05"),
					float64(msgs-lastMsgs)/el.Seconds(), float64(conns-lastConns)/el.Seconds(), bad)
				tick, lastMsgs, lastConns = d.At, msgs, conns
			}
			continue
		}
		printDatagram(stdout, d, withHex)
	}
	if stats {
		fmt.Fprintf(stdout, "total: %d messages, %d connections, %d undecodable\n", msgs, conns, bad)
	}
	return nil
}

func printDatagram(w io.Writer, d lvssync.Datagram, withHex bool) {
	if d.Err != nil {
		fmt.Fprintf(w, "%s from %s: %d bytes, not decodable: %v\n", d.At.Format("15:04:05.000"), d.From, len(d.Raw), d.Err)
	} else {
		fmt.Fprintf(w, "%s from %s: sync id %d, %d connections\n", d.At.Format("15:04:05.000"), d.From, d.Msg.SyncID, len(d.Msg.Conns))
		for _, c := range d.Msg.Conns {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	if withHex {
		fmt.Fprintf(w, "  hex %s\n", hex.EncodeToString(d.Raw))
	}
}

func syncStatusCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sync status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sock := fs.String("s", control.DefaultPath, "control socket")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := control.Client{Path: *sock}.SyncStatus(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector sync status:", err)
		return 1
	}
	if *asJSON {
		fmt.Fprintln(stdout, string(st.JSON))
		return 0
	}
	if st.Value == nil {
		fmt.Fprintln(stdout, "sync: not configured")
		return 0
	}
	printSyncStatus(stdout, st.Value)
	return 0
}

func printSyncStatus(w io.Writer, st *lvssync.Status) {
	fmt.Fprintln(w, st)
	for _, d := range st.Daemons {
		fmt.Fprintf(w, "  %s\n", d)
	}
}

func syncDaemonsCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: hadirector sync daemons")
		return 2
	}
	k, err := lvssync.OpenNetlink()
	if err != nil {
		fmt.Fprintln(stderr, "hadirector sync daemons:", err)
		return 1
	}
	ds, err := k.List()
	if err != nil {
		fmt.Fprintln(stderr, "hadirector sync daemons:", err)
		return 1
	}
	for _, d := range ds {
		fmt.Fprintln(stdout, d)
	}
	return 0
}
