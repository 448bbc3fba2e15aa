package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/control"
)

// reloadCmd asks the running daemon to re-read its file, as SIGHUP does,
// and prints what changed; exit 1 if the file was refused.
func reloadCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sock := fs.String("s", control.DefaultPath, "control socket of the running daemon")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := control.Client{Path: *sock}.Reload(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector reload:", err)
		return 1
	}
	if *asJSON {
		fmt.Fprintln(stdout, string(a.JSON))
		return 0
	}
	rep := a.Value
	for _, l := range []struct {
		what  string
		names []string
	}{{"kept", rep.Kept}, {"rebuilt", rep.Rebuilt}, {"added", rep.Added}, {"removed", rep.Removed}} {
		fmt.Fprintf(stdout, "%-8s %s\n", l.what+":", dashList(l.names))
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	return 0
}

func dashList(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}
