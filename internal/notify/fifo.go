package notify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openFIFO opens path for writing without waiting for a reader (O_RDWR
// keeps a reader end open, as a FIFO needs), making the FIFO if it does
// not exist. Non-blocking, so that writes wait in Go's poller and honour
// write deadlines.
func openFIFO(path string) (*os.File, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := syscall.Mkfifo(path, 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("notify fifo %s: mkfifo: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("notify fifo %s: %w", path, err)
	case st.Mode()&fs.ModeNamedPipe == 0:
		return nil, fmt.Errorf("notify fifo %s: exists and is not a FIFO", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("notify fifo %s: %w", path, err)
	}
	return f, nil
}
