package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// logFlags are the logging flags every long-running command takes.
type logFlags struct {
	format   string
	level    string
	levelVar slog.LevelVar // the running level; a reload sets it unless -log-level was given
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "text", "log format: text (journald-friendly key=value) or json")
	fs.StringVar(&l.level, "log-level", "", "log level: debug, info, warn, error (default: the config's, else info)")
}

// logger builds the structured logger on w (stderr).
func (l *logFlags) logger(w io.Writer, fallbackLevel string) (*slog.Logger, error) {
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
	switch l.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", l.format)
}
