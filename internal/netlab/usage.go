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
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return 0, 0, fmt.Errorf("pids of %s: %w", ns, err)
	}
	for _, f := range strings.Fields(string(out)) {
		status, err := os.ReadFile("/proc/" + f + "/status")
		if err != nil {
			continue // gone
		}
		cpuSec += threadsCPU(f)
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
				rssKiB += kb
			}
		}
	}
	return cpuSec, rssKiB, nil
}

// threadsCPU sums the time every thread of a process has run, in seconds,
// from the scheduler's own accounting (/proc/PID/task/TID/schedstat, in
// nanoseconds). The utime and stime of /proc/PID/stat are sampled at the
// tick, 10 ms: a director that runs a few microseconds per wake-up shows
// 0, 1 or 2 ticks in a window by chance, and one that runs in step with
// the tick is charged whole ticks it did not use.
func threadsCPU(pid string) float64 {
	tasks, _ := os.ReadDir("/proc/" + pid + "/task")
	var ns float64
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + pid + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			v, _ := strconv.ParseFloat(f[0], 64)
			ns += v
		}
	}
	return ns / 1e9
}
