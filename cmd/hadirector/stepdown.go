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

// answerWait is how long the CLI waits for the daemon's first line.
const answerWait = 10 * time.Second

// stepDownCmd implements step-down and resume: both only ask the daemon.
// A step-down's answer comes once the handover has ended: the daemon's
// first line says how long that may take, and the CLI waits so long, and
// answerWait more.
func stepDownCmd(cmd string) func(args []string, stdout, stderr io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		fs.SetOutput(stderr)
		sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
		inst := fs.String("i", "", "only this instance (default: all)")
		if err := fs.Parse(args); err != nil {
			return 2
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		limit := time.AfterFunc(answerWait, cancel)
		defer limit.Stop()
		err := control.Call(ctx, *sock, control.Request{Cmd: cmd, Instance: *inst}, func(b json.RawMessage) error {
			fmt.Fprintln(stdout, string(b))
			var first struct {
				Bound string `json:"bound"`
			}
			if json.Unmarshal(b, &first) == nil && first.Bound != "" {
				if d, err := time.ParseDuration(first.Bound); err == nil {
					limit.Reset(d + answerWait)
				}
			}
			return nil
		})
		if err == nil && ctx.Err() != nil {
			err = fmt.Errorf("the daemon at %s did not finish answering in time", *sock)
		}
		if err != nil {
			fmt.Fprintf(stderr, "hadirector %s: %v\n", cmd, err)
			return 1
		}
		return 0
	}
}
