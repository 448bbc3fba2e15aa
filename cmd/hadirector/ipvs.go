package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/ipvs"
)

var ipvsCommands = []command{
	{"list", "the kernel's IPVS table as ipvsadm -Ln prints it (--stats, --rate, --thresholds, --timeout, --connections)", ipvsListCmd},
	{"status", "the running daemon's IPVS manager: services, real servers up, reconciliations (--json)", ipvsStatusCmd},
}

// ipvsCmd dispatches "hadirector ipvs SUBCOMMAND".
func ipvsCmd(args []string, stdout, stderr io.Writer) int {
	return dispatchIn("hadirector ipvs", ipvsCommands, args, stdout, stderr)
}

// ipvsListCmd prints the kernel's IPVS table as ipvsadm -Ln does, read over
// netlink (connections from /proc, as ipvsadm reads them).
func ipvsListCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ipvs list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o ipvs.ListOptions
	fs.BoolVar(&o.Stats, "stats", false, "counters: Conns InPkts OutPkts InBytes OutBytes")
	fs.BoolVar(&o.Rate, "rate", false, "rates: CPS InPPS OutPPS InBPS OutBPS")
	fs.BoolVar(&o.Thresholds, "thresholds", false, "upper and lower connection thresholds")
	fs.BoolVar(&o.Exact, "exact", false, "counters in full, without K, M, G")
	fs.BoolVar(&o.NoSort, "nosort", false, "in the kernel's order")
	timeout := fs.Bool("timeout", false, "the tcp tcpfin udp timeouts")
	conns := fs.Bool("connections", false, "the connection table")
	fs.BoolVar(conns, "c", false, "short for --connections")
	fs.Bool("n", true, "numeric output (always: names are never resolved)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hadirector ipvs list: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := ipvsList(stdout, stderr, o, *timeout, *conns); err != nil {
		fmt.Fprintln(stderr, "hadirector ipvs list:", err)
		return 1
	}
	return 0
}

func ipvsList(w, stderr io.Writer, o ipvs.ListOptions, timeout, conns bool) error {
	if conns {
		if timeout || o.Stats || o.Rate || o.Thresholds {
			return fmt.Errorf("--connections lists connections alone")
		}
		cs, err := ipvs.ReadConns()
		if err != nil {
			return err
		}
		return ipvs.FormatConns(w, cs)
	}
	k, err := ipvs.OpenNetlink("")
	if err != nil {
		return err
	}
	defer k.Close()
	if timeout {
		t, err := ipvs.GetTimeouts(k)
		if err != nil {
			return err
		}
		o.Timeouts = &t
		return ipvs.Format(w, nil, o)
	}
	states, err := ipvs.List(k)
	if err != nil {
		return err
	}
	if info, err := ipvs.ReadInfo(); err == nil {
		o.Info = info
	} else {
		fmt.Fprintln(stderr, "hadirector ipvs list: header:", err)
	}
	return ipvs.Format(w, states, o)
}

// ipvsStatusCmd prints the running daemon's IPVS manager summary.
func ipvsStatusCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ipvs status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	st, err := control.Client{Path: *sock}.IPVSStatus(context.Background())
	if err != nil {
		fmt.Fprintln(stderr, "hadirector ipvs status:", err)
		return 1
	}
	if *asJSON {
		fmt.Fprintln(stdout, string(st.JSON))
		return 0
	}
	if st.Value == nil {
		fmt.Fprintln(stdout, "IPVS: not configured")
		return 0
	}
	printIPVSStatus(stdout, st.Value)
	return 0
}

func printIPVSStatus(w io.Writer, st *ipvs.ManagerStatus) {
	last := "never"
	if !st.LastReconcile.IsZero() {
		last = st.LastReconcile.Format("15:04:05.000")
	}
	fmt.Fprintf(w, "IPVS: %d services, %d/%d real servers up, %d reconciles (%d operations, %d failed), last %s\n",
		st.Services, st.RealsUp, st.Reals, st.Reconciles, st.Ops, st.Failures, last)
	if c := st.Checks; c.Started > 0 {
		fmt.Fprintf(w, "  checks: %d started, %d late (behind schedule), %d timeouts not counted, %d in flight (limit %d)\n",
			c.Started, c.Late, c.Uncounted, c.InFlight, c.Limit)
	}
	if st.LastError != "" {
		fmt.Fprintf(w, "  last error: %s\n", st.LastError)
	}
	for _, d := range st.DownRealsNamed {
		fmt.Fprintf(w, "  down: %s\n", d)
	}
}
