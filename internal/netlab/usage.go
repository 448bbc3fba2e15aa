package netlab

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// NSUsage sums CPU seconds and resident KiB of every process in the
// namespace (keepalived is a parent and a VRRP child; a BGP director
// has its speaker process).
func NSUsage(ns string) (cpuSec, rssKiB float64, err error) {
	t, rssKiB, err := NSThreads(ns)
	return t.CPUSec, rssKiB, err
}

// Threads is what the threads of some processes have run: CPU seconds,
// and how many times they were put on a CPU (their wake-ups).
type Threads struct{ CPUSec, Runs float64 }

// NSThreads is NSUsage with the threads' runs.
func NSThreads(ns string) (run Threads, rssKiB float64, err error) {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return run, 0, fmt.Errorf("pids of %s: %w", ns, err)
	}
	for _, f := range strings.Fields(string(out)) {
		status, err := os.ReadFile("/proc/" + f + "/status")
		if err != nil {
			continue // gone
		}
		t := threadsRun(f)
		run.CPUSec += t.CPUSec
		run.Runs += t.Runs
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
				rssKiB += kb
			}
		}
	}
	return run, rssKiB, nil
}

// threadsRun sums the time every thread of a process has run, in seconds,
// and the times each was put on a CPU, from the scheduler's own accounting
// (/proc/PID/task/TID/schedstat: nanoseconds, and timeslices). The utime
// and stime of /proc/PID/stat are sampled at the tick, 10 ms: a director
// that runs a few microseconds per wake-up shows 0, 1 or 2 ticks in a
// window by chance, and one that runs in step with the tick is charged
// whole ticks it did not use.
func threadsRun(pid string) Threads {
	tasks, _ := os.ReadDir("/proc/" + pid + "/task")
	var ns, runs float64
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + pid + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) == 3 {
			v, _ := strconv.ParseFloat(f[0], 64)
			n, _ := strconv.ParseFloat(f[2], 64)
			ns += v
			runs += n
		}
	}
	return Threads{CPUSec: ns / 1e9, Runs: runs}
}
