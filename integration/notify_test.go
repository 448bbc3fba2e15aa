package integration

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNotifyCommandsAndFIFO drives the real binary: a director with notify
// commands and a notify FIFO becomes master and is stopped; the FIFO gets
// keepalived's lines and the commands run with keepalived's arguments, in
// the order of the transitions.
func TestNotifyCommandsAndFIFO(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	fifo := filepath.Join(p.dir, "notify.fifo")
	must(t, syscall.Mkfifo(fifo, 0o600))
	r, err := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0)
	must(t, err)
	defer r.Close()
	out := filepath.Join(p.dir, "notify.out")
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true, Extra: `
notify = ["/bin/sh", "-c", "echo \"$HADIRECTOR_SEQ $*\" >> ` + out + `", "notify"]
notify_master = ["/bin/sh", "-c", "echo \"$HADIRECTOR_SEQ master $HADIRECTOR_REASON\" >> ` + out + `"]

[global]
notify_fifo = "` + fifo + `"
`})
	p.waitState(a, 0, "MASTER")
	must(t, a.Signal(syscall.SIGTERM))
	waitExit(t, a)

	must(t, r.SetReadDeadline(time.Now().Add(waitFor))) // bounds a hung test only
	sc := bufio.NewScanner(r)
	var lines []string
	for len(lines) < 3 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if got, want := strings.Join(lines, "\n"), `INSTANCE "vi51" BACKUP 150
INSTANCE "vi51" MASTER 150
INSTANCE "vi51" STOP 150`; got != want {
		t.Errorf("fifo:\n%s\nwant\n%s", got, want)
	}
	b, err := os.ReadFile(out)
	must(t, err)
	if got, want := string(b), `1 INSTANCE vi51 BACKUP 150
2 INSTANCE vi51 MASTER 150
2 master master-down
3 INSTANCE vi51 STOP 150
`; got != want {
		t.Errorf("commands:\n%s\nwant\n%s", got, want)
	}
}
