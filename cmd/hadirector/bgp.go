package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/internal/control"
)

// drainCmd implements drain and undrain: withdraw every BGP VIP of the
// running daemon for planned work, or let them be announced again, and
// print the BGP status once the speaker has been told.
func drainCmd(on bool) func(args []string, stdout, stderr io.Writer) int {
	name := "undrain"
	if on {
		name = "drain"
	}
	return func(args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), control.AnswerWait)
		defer cancel()
		c := control.Client{Path: *sock}
		ask := c.Undrain
		if on {
			ask = c.Drain
		}
		a, err := ask(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "hadirector %s: %v\n", name, err)
			return 1
		}
		if *asJSON {
			fmt.Fprintln(stdout, string(a.JSON))
			return 0
		}
		printBGPStatus(stdout, &a.Value)
		return 0
	}
}

// printBGPStatus prints the sessions, then each VIP's announcement.
func printBGPStatus(w io.Writer, st *announce.Status) {
	drained := ""
	if st.Drained {
		drained = ", DRAINED (hadirector undrain to announce again)"
	}
	fmt.Fprintf(w, "\nbgp: AS %d, router id %s%s\n", st.ASN, st.RouterID, drained)
	sp := st.Speaker
	switch {
	case sp.PID == 0:
		fmt.Fprintf(w, "speaker process: DOWN, restarting (it ended: %s)\n", sp.LastExit)
	case sp.Restarts > 0:
		fmt.Fprintf(w, "speaker process: pid %d, up %s, restarted %d time(s) (last ended: %s)\n",
			sp.PID, time.Since(sp.Since).Round(time.Second), sp.Restarts, sp.LastExit)
	default:
		fmt.Fprintf(w, "speaker process: pid %d, up %s\n", sp.PID, time.Since(sp.Since).Round(time.Second))
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PEER\tAS\tSTATE\tUP FOR\tHOLD\tBFD\tLAST ERROR")
	for _, p := range st.Peers {
		up, hold := "-", "-"
		if p.Established() {
			up = time.Since(p.Since).Round(time.Second).String()
			hold = p.HoldTime.String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", p.Address, p.ASN, p.State, up, hold, dash(p.BFD), dash(p.LastError))
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tVIP\tANNOUNCED\tSINCE\tREASON")
	for _, v := range st.VIPs {
		ann := "no"
		if v.Announced {
			ann = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Instance, v.VIP, ann, v.Since.Format("15:04:05.000"), v.Reason)
	}
	tw.Flush()
}
