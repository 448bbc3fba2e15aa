package netlab

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// AdoptPIDFile makes Close end, by PID, the process whose PID a daemon writes
// to path (a forked child the lab did not start itself, such as keepalived's
// VRRP process). The file is read at Close time.
func (l *Lab) AdoptPIDFile(path string) {
	l.mu.Lock()
	l.pidFiles = append(l.pidFiles, path)
	l.mu.Unlock()
}

func killPIDFile(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	syscall.Kill(pid, syscall.SIGKILL)
}
