package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hadirector/hadirector/internal/control"
)

// stepDownCmd implements step-down and resume: both only ask the daemon.
func stepDownCmd(cmd string) func(args []string, stdout, stderr io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
		inst := fs.String("i", "", "only this instance (default: all)")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := control.Call(ctx, *sock, control.Request{Cmd: cmd, Instance: *inst}, func(b json.RawMessage) error {
			fmt.Fprintln(stdout, string(b))
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "hadirector %s: %v\n", cmd, err)
			return 1
		}
		return 0
	}
}
