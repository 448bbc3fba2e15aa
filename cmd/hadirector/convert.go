package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/conf/keepalived"
	"github.com/hadirector/hadirector/conf/keepalived/convert"
)

// convertCmd writes the hadirector TOML equivalent of a keepalived.conf.
// Exit status: 0 converted; 1 converted, but a VIP, a priority, an
// instance or a service was lost (or --check failed); 2 unreadable.
func convertCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the TOML to this file (default: standard output)")
	check := fs.Bool("check", false, "run check on the result")
	id := fs.String("i", defaultConfigID(), "keepalived's config id, for @ID conditional lines (keepalived -i)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hadirector convert [-o FILE] [--check] [-i ID] keepalived.conf")
		fmt.Fprintln(stderr, "Writes hadirector's TOML; notes on stderr name, per file:line, what is not carried and why.")
		fmt.Fprintln(stderr, "Exit 1 if a VIP, a priority, an instance or a service is lost.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	src := fs.Arg(0)
	nodes, err := keepalived.ParseFile(src, keepalived.Options{ConfigID: *id})
	if err != nil {
		fmt.Fprintln(stderr, "hadirector convert:", err)
		return 2
	}
	res := convert.Convert(src, nodes)
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, n)
	}
	name := "<stdout>"
	if *out == "" {
		if _, err := stdout.Write(res.TOML); err != nil {
			fmt.Fprintln(stderr, "hadirector convert:", err)
			return 2
		}
	} else {
		name = *out
		if err := os.WriteFile(*out, res.TOML, 0o644); err != nil {
			fmt.Fprintln(stderr, "hadirector convert:", err)
			return 2
		}
	}
	status := 0
	if res.Lost() {
		fmt.Fprintln(stderr, "hadirector convert: the converted director would differ in what matters (LOST above)")
		status = 1
	}
	if *check {
		cfg, err := conf.Parse(name, res.TOML)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		for _, w := range conf.Warnings(cfg) {
			fmt.Fprintln(stderr, "warning:", w)
		}
		fmt.Fprintf(stderr, "%s: ok, %d instance(s), %d service(s)\n", name, len(cfg.Instances), len(cfg.IPVS.Services))
	}
	return status
}

// defaultConfigID is keepalived's: the host name up to its first dot.
func defaultConfigID() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	id, _, _ := strings.Cut(h, ".")
	return id
}
