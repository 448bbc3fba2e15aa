// Package journal makes the daemon's log lines carry their syslog priority
// when stderr is connected to systemd's journal, so that journalctl -p
// filters them; elsewhere lines stay as they are.
package journal

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// IsStream reports whether f is the stream systemd connected to the
// journal: as sd-daemon(3) documents, the service manager sets
// JOURNAL_STREAM to the device and inode ("DEV:INODE", decimal) of that
// stream, and a process that inherits the variable with a stderr
// redirected elsewhere must not take it for the journal. env is the
// variable's value.
func IsStream(env string, f *os.File) bool {
	if env == "" || f == nil {
		return false
	}
	var dev, ino uint64
	if n, err := fmt.Sscanf(env, "%d:%d", &dev, &ino); n != 2 || err != nil {
		return false
	}
	if fmt.Sprintf("%d:%d", dev, ino) != env {
		return false // trailing text: not the variable systemd writes
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && uint64(st.Dev) == dev && uint64(st.Ino) == ino
}

// Is reports whether w is the journal stream JOURNAL_STREAM names (only
// an *os.File can be).
func Is(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && IsStream(os.Getenv("JOURNAL_STREAM"), f)
}
