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

// stepDownCmd implements step-down and resume (named by cmd): both only ask
// the daemon, with call, and print its answer.
func stepDownCmd(cmd string, call func(c control.Client, ctx context.Context, instance string) (json.RawMessage, error)) func(args []string, stdout, stderr io.Writer) int {
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
		b, err := call(control.Client{Path: *sock}, ctx, *inst)
		if err != nil {
			fmt.Fprintf(stderr, "hadirector %s: %v\n", cmd, err)
			return 1
		}
		fmt.Fprintln(stdout, string(b))
		return 0
	}
}

func stepDown(c control.Client, ctx context.Context, instance string) (json.RawMessage, error) {
	a, err := c.StepDown(ctx, instance)
	return a.JSON, err
}

func resume(c control.Client, ctx context.Context, instance string) (json.RawMessage, error) {
	a, err := c.Resume(ctx, instance)
	return a.JSON, err
}
