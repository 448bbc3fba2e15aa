package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/hadirector/hadirector/internal/journal"
)

// logFlags are the logging flags every long-running command takes.
type logFlags struct {
	format   string
	level    string
	levelVar slog.LevelVar // the running level; a reload sets it unless -log-level was given
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "text", "log format: text (key=value) or json; each line starts with its priority (<3>..<7>) when stderr is the journal")
	fs.StringVar(&l.level, "log-level", "", "log level: debug, info, warn, error (default: the config's, else info)")
}

// logger builds the structured logger on w (stderr); with journal, each
// line starts with its syslog priority, as journald reads it from a stream.
func (l *logFlags) logger(w io.Writer, fallbackLevel string, journaled bool) (*slog.Logger, error) {
	name := l.level
	if name == "" {
		name = fallbackLevel
	}
	if name == "" {
		name = "info"
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(name)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", name, err)
	}
	l.levelVar.Set(lvl)
	opts := &slog.HandlerOptions{Level: &l.levelVar}
	var format func(io.Writer) slog.Handler
	switch l.format {
	case "text":
		format = func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, opts) }
	case "json":
		format = func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, opts) }
	default:
		return nil, fmt.Errorf("log format %q: want text or json", l.format)
	}
	if journaled {
		return slog.New(journal.NewHandler(w, format)), nil
	}
	return slog.New(format(w)), nil
}
