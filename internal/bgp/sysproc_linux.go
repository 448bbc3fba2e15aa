package bgp

import "syscall"

// sysProcAttr makes the speaker process die with the director (SIGKILL on
// the death of the thread that started it: see launch) and puts it in its
// own process group, out of reach of a terminal's Ctrl-C, which the
// director answers by withdrawing and draining first.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
