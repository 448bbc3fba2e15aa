package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp/router"
)

// stepDownCmd implements step-down and resume (named by cmd): both only
// ask the daemon, with ask, and print each line of its answer.
func stepDownCmd(cmd string, ask func(ctx context.Context, c control.Client, instance string, print func(json.RawMessage)) error) func(args []string, stdout, stderr io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
		inst := fs.String("i", "", "only this instance (default: all)")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		print := func(b json.RawMessage) { fmt.Fprintln(stdout, string(b)) }
		if err := ask(context.Background(), control.Client{Path: *sock}, *inst, print); err != nil {
			fmt.Fprintf(stderr, "hadirector %s: %v\n", cmd, err)
			return 1
		}
		return 0
	}
}

// stepDown prints the daemon's answer as it comes: how many step down,
// then how each handover ended.
func stepDown(ctx context.Context, c control.Client, instance string, print func(json.RawMessage)) error {
	return c.StepDown(ctx, instance,
		func(a control.Answer[control.StepDownReply]) error { print(a.JSON); return nil },
		func(a control.Answer[router.StepDownOutcome]) error { print(a.JSON); return nil })
}

func resume(ctx context.Context, c control.Client, instance string, print func(json.RawMessage)) error {
	ctx, cancel := context.WithTimeout(ctx, control.AnswerWait)
	defer cancel()
	a, err := c.Resume(ctx, instance)
	if err == nil {
		print(a.JSON)
	}
	return err
}
