package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/pcapfile"
)

const (
	ifaces   = 4
	interval = 100 * time.Millisecond
)

type scenario struct {
	name      string
	instances int
	burn      bool // spin both cores, GOGC=1 in the master
	flood     int  // packets per second from the flooder
}

type result struct {
	n             int
	p50, p99, max float64 // ms of |interval - 100 ms|
	pps           float64
	spurious      int
	cpu           float64
}

func run(bin string, sc scenario, window time.Duration) (res result, err error) {
	l, err := netlab.New()
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	dir, err := os.MkdirTemp("", "hadirector-stress-run-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	nIf := ifaces
	if sc.instances < ifaces {
		nIf = 1
	}
	hosts := []string{"dA", "dB", "fl"}
	for i := 0; i < nIf; i++ {
		sw := fmt.Sprintf("sw%d", i)
		if err := l.Switch(sw); err != nil {
			return res, err
		}
		for h, host := range hosts {
			if err := l.AddHost(netlab.Host{Name: host, Switch: sw, If: fmt.Sprintf("eth%d", i),
				Addrs: []string{fmt.Sprintf("192.0.2.%d/28", i*16+1+h)}}); err != nil {
				return res, err
			}
		}
	}
	env := []string(nil)
	if sc.burn {
		env = []string{"GOGC=1"}
	}
	a, err := start(l, bin, dir, "dA", sc.instances, nIf, 150, env)
	if err != nil {
		return res, err
	}
	b, err := start(l, bin, dir, "dB", sc.instances, nIf, 100, nil)
	if err != nil {
		return res, err
	}
	time.Sleep(5*interval + 2*time.Second) // elections settle: Master_Down_Interval is 3.6 adverts
	mark := len(b.Lines())

	var stops []func()
	defer func() {
		for _, s := range stops {
			s()
		}
	}()
	if sc.burn {
		for i := 0; i < 2; i++ {
			c := exec.Command("sh", "-c", "while :; do :; done")
			if err := c.Start(); err != nil {
				return res, err
			}
			stops = append(stops, func() { c.Process.Kill(); c.Wait() })
		}
	}
	var fl *flooder
	if sc.flood > 0 {
		if fl, err = startFlood(l.NS("fl"), "eth0", sc.flood); err != nil {
			return res, err
		}
		stops = append(stops, fl.stop)
	}
	// Capture dA's adverts where dB receives them.
	var caps []*exec.Cmd
	var files []string
	for i := 0; i < nIf; i++ {
		f := filepath.Join(dir, fmt.Sprintf("cap%d.pcap", i))
		c := exec.Command("ip", "netns", "exec", l.NS("dB"), "tcpdump", "-i", fmt.Sprintf("eth%d", i), "-w", f, "-U", "-n",
			"--time-stamp-precision=nano", "-B", "16384", fmt.Sprintf("ip proto 112 and src host 192.0.2.%d", i*16+1))
		if err := c.Start(); err != nil {
			return res, err
		}
		caps, files = append(caps, c), append(files, f)
	}
	cpu0, err := cpuSeconds(a.PID())
	if err != nil {
		return res, err
	}
	time.Sleep(window)
	cpu1, _ := cpuSeconds(a.PID())
	res.cpu = 100 * (cpu1 - cpu0) / window.Seconds()
	for _, c := range caps {
		c.Process.Signal(syscall.SIGINT)
		c.Wait()
	}
	if fl != nil {
		res.pps = fl.rate()
	}
	var devs []float64
	for _, f := range files {
		d, err := intervals(f)
		if err != nil {
			return res, err
		}
		devs = append(devs, d...)
	}
	if len(devs) == 0 {
		return res, fmt.Errorf("%s: no advert intervals captured", sc.name)
	}
	slices.Sort(devs)
	res.n = len(devs)
	res.p50 = devs[len(devs)/2]
	res.p99 = devs[int(math.Ceil(0.99*float64(len(devs))))-1]
	res.max = devs[len(devs)-1]
	for _, line := range b.Lines()[mark:] {
		if strings.Contains(line, "to=MASTER") {
			res.spurious++
		}
	}
	return res, nil
}

// intervals reads a capture and returns |interval - 100 ms| in ms between
// consecutive adverts of each VRID.
func intervals(path string) ([]float64, error) {
	frames, err := pcapfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	last := map[uint8]time.Time{}
	var out []float64
	for _, fr := range frames {
		ip, err := fr.IPv4()
		if err != nil || len(ip.Payload) < 8 {
			continue
		}
		vrid := ip.Payload[1]
		if t, ok := last[vrid]; ok {
			out = append(out, math.Abs(float64(fr.Time.Sub(t)-interval))/float64(time.Millisecond))
		}
		last[vrid] = fr.Time
	}
	return out, nil
}

func start(l *netlab.Lab, bin, dir, host string, n, nIf, prio int, env []string) (*netlab.Proc, error) {
	var b strings.Builder
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "[[instance]]\nname = \"vi%d\"\ninterface = \"eth%d\"\nvrid = %d\npriority = %d\nadvert_interval = \"100ms\"\nvips = [\"203.0.113.%d\"]\n\n",
			k, k%nIf, 1+k/nIf, prio, 1+k/nIf)
	}
	path := filepath.Join(dir, host+".toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	args := []string{bin, "run", "-c", path, "-s", path + ".sock", "--log-level", "info"}
	if len(env) > 0 {
		args = append([]string{"env"}, append(env, args...)...)
	}
	return l.Start(host, nil, args...)
}

// cpuSeconds is the user+system time of a process (and its threads).
func cpuSeconds(pid int) (float64, error) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, nil
}
