package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp/router"
)

func statusCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
	inst := fs.String("i", "", "only this instance")
	asJSON := fs.Bool("json", false, "print JSON")
	watch := fs.Bool("watch", false, "stream transitions as they happen")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	c := control.Client{Path: *sock}
	if *watch {
		err := c.Watch(ctx, *inst, func(a control.Answer[router.Transition]) error {
			if *asJSON {
				fmt.Fprintln(stdout, string(a.JSON))
				return nil
			}
			t := a.Value
			fmt.Fprintf(stdout, "%s seq=%d %s vrid=%d %s -> %s reason=%s master=%s\n",
				t.At.Format(time.RFC3339Nano), t.Seq, t.Instance, t.VRID, t.From, t.To, t.Reason, t.Master)
			return nil
		})
		if err != nil {
			fmt.Fprintln(stderr, "hadirector status:", err)
			return 1
		}
		return 0
	}
	sts, err := c.Status(ctx, *inst)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector status:", err)
		return 1
	}
	if *asJSON {
		fmt.Fprintln(stdout, string(sts.JSON))
		return 0
	}
	printStatus(stdout, sts.Value)
	st, err := c.IPVSStatus(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector status: ipvs:", err)
		return 1
	}
	if st.Value != nil {
		printIPVSStatus(stdout, st.Value)
	}
	sst, err := c.SyncStatus(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector status: sync:", err)
		return 1
	}
	if sst.Value != nil {
		printSyncStatus(stdout, sst.Value)
	}
	bst, err := c.BGPStatus(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector status: bgp:", err)
		return 1
	}
	if bst.Value != nil {
		printBGPStatus(stdout, bst.Value)
	}
	return 0
}

func printStatus(w io.Writer, sts []router.Status) {
	if len(sts) == 0 {
		return // a BGP-only director
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tIF\tVRID\tSTATE\tPRIO\tMASTER\tVIPS\tLAST TRANSITION\tGARPS\tIN\tOUT\tDROPS\tADDR MISMATCH")
	for _, s := range sts {
		vips := make([]string, len(s.VIPs))
		for i, v := range s.VIPs {
			vips[i] = v.String()
		}
		held := ""
		if s.VIPsHeld {
			held = " (held)"
		}
		last := "-"
		if t := s.LastTransition; t != nil {
			last = fmt.Sprintf("%s %s->%s %s", t.At.Format("15:04:05.000"), t.From, t.To, t.Reason)
		}
		state := s.State.String()
		if s.Hold {
			state += " (hold)"
		}
		prio := fmt.Sprint(s.Priority)
		if s.Effective != s.Priority {
			prio += fmt.Sprintf("/%d", s.Effective) // configured/effective (tracking, or 0 while stepping down)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s%s\t%s\t%d\t%d\t%d\t%s\t%d\n", s.Name, s.Interface, s.VRID, state,
			prio, dash(s.Master), strings.Join(vips, ","), held, last, s.GARPs, s.AdvertsIn, s.AdvertsOut, drops(s.Drops),
			s.AddrListMismatch)
	}
	tw.Flush()
	for _, s := range sts {
		for _, sp := range s.Speakers {
			verdict := "accepted"
			if !sp.Accepted {
				verdict = "DROPPED: " + sp.Reason
			}
			fmt.Fprintf(w, "  %s vrid %d heard %s priority %d addrs %v %s ago, %s\n", s.Name, s.VRID,
				sp.Src, sp.Priority, sp.Addrs, time.Since(sp.LastHeard).Round(time.Millisecond), verdict)
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func drops(m map[string]uint64) string {
	if len(m) == 0 {
		return "0"
	}
	var ks []string
	for k, v := range m {
		ks = append(ks, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
