// Command hadirector is a high-availability director for LVS/IPVS pairs: it
// elects a master with VRRP, holds the virtual IPs there and announces them.
package main

import (
	"fmt"
	"io"
	"os"
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"run", "run the director from a configuration file", runCmd},
	{"check", "validate a configuration file", checkCmd},
	{"convert", "convert a keepalived.conf to hadirector's TOML (convert -h)", convertCmd},
	{"status", "show the running daemon's instances (--json, --watch)", statusCmd},
	{"reload", "re-read the running daemon's file, as SIGHUP does, and print what changed", reloadCmd},
	{"step-down", "hand mastership over make-before-break and hold preemption", stepDownCmd("step-down", stepDown)},
	{"resume", "lift the preemption hold of a step-down", stepDownCmd("resume", resume)},
	{"drain", "withdraw every BGP VIP of the running daemon for planned work", drainCmd(true)},
	{"undrain", "announce the running daemon's fit BGP VIPs again", drainCmd(false)},
	{"drill", "fail over on purpose (--planned: step down) and report what happened", drillCmd},
	{"ipvs", "the kernel's IPVS table as ipvsadm -Ln prints it, the daemon's IPVS summary (ipvs -h)", ipvsCmd},
	{"sync", "connection sync: watch the sync group, status, the kernel's daemons (sync -h)", syncCmd},
	{"garp", "send gratuitous ARP (IPv4) or unsolicited neighbour advertisements (IPv6) for addresses, like arping -U or na6", garpCmd},
	{"demo", "run a self-contained failover demo in network namespaces (root)", demoCmd},
	{"version", "print the version", versionCmd},
}

// usage lists the commands of prefix ("hadirector", "hadirector ipvs")
// one a line, as the shell completion reads them.
func usage(w io.Writer, prefix string, cmds []command) {
	fmt.Fprintf(w, "usage: %s COMMAND [flags]\n", prefix)
	fmt.Fprintln(w, "commands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "Run '%s COMMAND -h' for a command's flags.\n", prefix)
}

// subcommands are the commands of the command groups.
var subcommands = map[string][]command{"ipvs": ipvsCommands, "sync": syncCommands}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	return dispatchIn("hadirector", commands, args, stdout, stderr)
}

// dispatchIn runs the command of cmds that args name; prefix is how the
// user called the group, for messages.
func dispatchIn(prefix string, cmds []command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr, prefix, cmds)
		return 2
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, prefix, cmds)
		return 0
	}
	fmt.Fprintf(stderr, "%s: unknown command %q\n", prefix, args[0])
	usage(stderr, prefix, cmds)
	return 2
}
