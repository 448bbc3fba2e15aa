package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/bgp"
)

func checkCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "/etc/hadirector/hadirector.toml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := conf.Load(*file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range conf.Warnings(cfg) {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if cfg.BGP != nil {
		fmt.Fprintf(stdout, "%s: ok, %d VRRP and %d BGP instance(s)\n", cfg.File, len(cfg.Instances), len(cfg.BGP.Instances))
		// Where run would find the speaker program; a file checked on
		// another machine than its director's need not fail for it.
		exe, _ := os.Executable()
		if path, err := bgp.Locate("", exe); err != nil {
			fmt.Fprintln(stderr, "warning:", err)
		} else {
			fmt.Fprintln(stdout, "bgp speaker program:", path)
		}
		return 0
	}
	fmt.Fprintf(stdout, "%s: ok, %d instance(s)\n", cfg.File, len(cfg.Instances))
	return 0
}
