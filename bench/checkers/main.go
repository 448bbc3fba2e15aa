// Command checkers measures the CPU time and memory of hadirector's health
// checker against keepalived's checker process doing the same TCP checks,
// in the same qemu guest: keepalived's checker will not start without IPVS,
// which the host kernel lacks (see README.md). For each size (1,000 and
// 10,000 checks), the guest alternates the two, five rounds each: the
// director starts, programs the services (10 NAT real servers each) and
// checks every real server once a second; once every real server is in the
// table (or after 60 s) and after a warm-up, the CPU time the
// process used over a window, and its resident memory at the end, are read
// from /proc. The real servers are listeners of this program in a network
// namespace, on 250 addresses of 198.51.100.0/24 and as many ports as it
// takes. hadirector runs with the Go runtime's settings of its systemd unit
// (dist/hadirector.service). With -host, the checker alone (ipvs.Health)
// runs on this host instead, in a network namespace of its own against the
// listeners in another, with no keepalived to compare (README.md). Run as
// root from the repository root:
//
//	go run ./bench/checkers
//	go run ./bench/checkers -sizes 1000 -rounds 3 -window 10s
//	go run ./bench/checkers -host -profile /tmp/checker.pprof
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
	"github.com/hadirector/hadirector/internal/unitenv"
)

// Listener addresses: 198.51.100.2 to 198.51.100.251, ports from 8000.
const (
	addrs     = 250
	firstPort = 8000
)

// realAddr is the address of the n-th real server.
func realAddr(n int) string {
	return fmt.Sprintf("198.51.100.%d:%d", 2+n%addrs, firstPort+n/addrs)
}

func main() {
	listen := flag.Int("listen", 0, "(internal) listen for this many real servers and accept forever")
	accepts := flag.String("accepts", "/tmp/accepts", "(with -listen) where to keep the count of connections accepted")
	checkN := flag.Int("check", 0, "(internal) run the checker alone on this many real servers")
	host := flag.Bool("host", false, "measure the checker alone on this host, not both checkers in the guest")
	profile := flag.String("profile", "", "write a CPU profile of the checker alone (ipvs.Health) over a window to this file, suffixed by the size: with -host in the first round, in the guest before the rounds")
	sizes := flag.String("sizes", "1000,10000", "numbers of checks, comma-separated")
	rounds := flag.Int("rounds", 5, "rounds of each side per size")
	warm := flag.Duration("warm", 5*time.Second, "from every real server in to the window")
	window := flag.Duration("window", 10*time.Second, "the measured window")
	conf := flag.String("conf", "", "print the configuration of this side (hadirector or keepalived) for the first of -sizes and exit (bench/rss uses it)")
	flag.Parse()
	var err error
	switch {
	case *conf != "":
		err = printConf(os.Stdout, *conf, *sizes)
	case *listen > 0:
		err = serve(*listen, *accepts)
	case *checkN > 0:
		err = checkOnly(*checkN, *profile, *warm, *window)
	case *host:
		err = runHost(*sizes, *rounds, *warm, *window, *profile)
	default:
		err = run(*sizes, *rounds, *warm, *window, *profile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/checkers:", err)
		os.Exit(1)
	}
}

// serve listens on n real servers' addresses, accepts and closes every
// connection, says READY on stdout once all listen, and keeps the number
// of connections accepted in the file path: the checks actually made.
func serve(n int, path string) error {
	var accepts atomic.Int64
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			os.WriteFile(path+".new", []byte(strconv.FormatInt(accepts.Load(), 10)), 0o644)
			os.Rename(path+".new", path)
		}
	}()
	for i := range n {
		l, err := net.Listen("tcp4", realAddr(i))
		if err != nil {
			return err
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepts.Add(1)
				c.Close()
			}
		}()
	}
	fmt.Println("READY")
	select {}
}

func run(sizes string, rounds int, warm, window time.Duration, profile string) error {
	k, err := guest.FindKernel("/")
	if err != nil {
		return err
	}
	keepalived, err := exec.LookPath("keepalived")
	if err != nil {
		return fmt.Errorf("keepalived: %w (apt-get install keepalived)", err)
	}
	dir, err := os.MkdirTemp("", "bench-checkers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := guest.StaticBinaries(dir, map[string]string{"hadirector": "./cmd/hadirector", "checkers": "./bench/checkers"})
	if err != nil {
		return err
	}
	env, err := unitenv.Read(unitenv.Path)
	if err != nil {
		return err
	}
	var script strings.Builder
	fmt.Fprintf(&script, "HENV=%q\nPROFILE=%t\n", strings.Join(env, " "), profile != "")
	script.WriteString(setup)
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 || n%10 != 0 {
			return fmt.Errorf("size %q: want a positive multiple of 10", s)
		}
		files = append(files,
			guest.File{Path: fmt.Sprintf("/work/h%d.toml", n), Data: []byte(hadirectorConf(n))},
			guest.File{Path: fmt.Sprintf("/work/k%d.conf", n), Data: []byte(keepalivedConf(n))})
		fmt.Fprintf(&script, "measure_size %d %d %d %d\n", n, rounds, int(warm.Seconds()), int(window.Seconds()))
	}
	img := guest.Image{Kernel: k, Modules: guest.IPVSModules, Binaries: append(guest.IPVSTools, keepalived),
		Files: files, Script: script.String()}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Minute)
	defer cancel()
	fmt.Printf("kernel %s, qemu TCG, 1 vCPU; TCP checks every 1 s, 10 NAT real servers a service; hadirector with %s; host load %s\n",
		k.Version, strings.Join(env, " "), loadavg())
	var console bytes.Buffer
	res, err := guest.Run(ctx, img, guest.Options{Console: io.MultiWriter(os.Stdout, &console), Memory: "2048M"})
	if err != nil {
		return err
	}
	if res.Exit != 0 {
		return fmt.Errorf("guest script exited %d", res.Exit)
	}
	summarize(console.String())
	if profile != "" {
		if err := saveProfiles(console.String(), profile, sizes); err != nil {
			return err
		}
	}
	fmt.Printf("host load at the end %s\n", loadavg())
	return nil
}

// saveProfiles decodes the profiles the guest printed, one a size, into
// profile.SIZE.
func saveProfiles(console, profile, sizes string) error {
	parts := strings.Split(console, "PROFILE-BEGIN")[1:]
	for i, s := range strings.Split(sizes, ",") {
		if i >= len(parts) {
			return fmt.Errorf("the guest printed %d profiles, want %d", len(parts), i+1)
		}
		text, _, _ := strings.Cut(parts[i], "PROFILE-END")
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return fmt.Errorf("profile %d: %w", i+1, err)
		}
		name := profile + "." + strings.TrimSpace(s)
		if err := os.WriteFile(name, b, 0o644); err != nil {
			return err
		}
		fmt.Println("profile of the checker alone written to", name)
	}
	return nil
}

// summarize prints the min/median/max of each side's RESULT lines, by size.
func summarize(console string) {
	type key struct{ name, n string }
	vals := map[key]map[string][]float64{}
	var order []key
	for _, l := range strings.Split(console, "\n") {
		f := strings.Fields(strings.TrimSpace(l))
		if len(f) < 3 || f[0] != "RESULT" {
			continue
		}
		k := key{f[1], ""}
		m := map[string]float64{}
		for _, kv := range f[2:] {
			name, v, _ := strings.Cut(kv, "=")
			if name == "n" {
				k.n = v
			} else if x, err := strconv.ParseFloat(v, 64); err == nil {
				m[name] = x
			}
		}
		if vals[k] == nil {
			vals[k] = map[string][]float64{}
			order = append(order, k)
		}
		for name, x := range m {
			vals[k][name] = append(vals[k][name], x)
		}
	}
	for _, k := range order {
		fmt.Printf("SUMMARY %s n=%s rounds=%d", k.name, k.n, len(vals[k]["cpu_ticks"]))
		for _, name := range []string{"cpu_ticks", "checks", "rss_kb", "rss_anon_kb", "rss_bin_kb", "reals_up"} {
			if v := vals[k][name]; len(v) > 0 {
				fmt.Printf(" %s %.0f/%.0f/%.0f", name, slices.Min(v), median(v), slices.Max(v))
			}
		}
		fmt.Println()
	}
}

// hadirectorConf is n/10 services of 10 real servers, TCP-checked every
// second, and the one VRRP instance the daemon needs.
func hadirectorConf(n int) string {
	var b strings.Builder
	b.WriteString(`[[instance]]
name = "bench"
interface = "v0"
vrid = 51
priority = 150
advert_interval = "1s"
vips = ["192.0.2.10"]

[ipvs]
resync = "1h"
`)
	for s := range n / 10 {
		fmt.Fprintf(&b, "\n[[service]]\naddress = \"192.0.2.10:%d\"\nscheduler = \"wlc\"\n", 1+s)
		b.WriteString("  [service.check]\n  type = \"tcp\"\n  interval = \"1s\"\n  timeout = \"1s\"\n")
		for r := range 10 {
			fmt.Fprintf(&b, "  [[service.real]]\n  address = %q\n  forward = \"nat\"\n", realAddr(s*10+r))
		}
	}
	return b.String()
}

// keepalivedConf is the same services for keepalived's checker.
func keepalivedConf(n int) string {
	var b strings.Builder
	b.WriteString("global_defs {\n  router_id bench\n}\n")
	for s := range n / 10 {
		fmt.Fprintf(&b, "virtual_server 192.0.2.10 %d {\n  delay_loop 1\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n", 1+s)
		for r := range 10 {
			a := realAddr(s*10 + r)
			host, port, _ := strings.Cut(a, ":")
			fmt.Fprintf(&b, "  real_server %s %s {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n", host, port)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// setup runs in the guest (busybox sh): fresh namespaces and listeners for
// each run of a checker, and measure_size, which alternates the two.
const setup = `set -u
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT
i=2; while [ $i -le 251 ]; do echo "addr add 198.51.100.$i/24 dev v1"; i=$((i+1)); done > /tmp/addrs
ulimit -n 65536
syslogd -O /tmp/messages  # keepalived logs here, not on the serial console

# cpu PID: the process's user+system time, in clock ticks
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
# mem PID: its resident memory in kB, as "rss_kb=VmRSS rss_anon_kb=RssAnon
# rss_bin_kb=RssFile+RssShmem" (the binary's and its libraries' pages: the
# guest's root is an initramfs, so mapped files count as shared memory)
mem() { awk '/^VmRSS/ {t=$2} /^RssAnon/ {a=$2} /^Rss(File|Shmem)/ {b+=$2} END {print "rss_kb=" t " rss_anon_kb=" a " rss_bin_kb=" b}' /proc/$1/status; }
# gone PID: the process has ended (a zombie counts: nobody may reap it)
gone() { [ ! -e /proc/$1 ] || grep -q '^State:.*Z' /proc/$1/status; }

# fresh N: new namespaces, ck for a checker (and its IPVS table) and rs
# for the real servers, joined by a veth pair, and the listeners for N real
# servers in rs: a run starts with no socket, TIME_WAIT or table entry that
# an earlier run left (keepalived's checks close with a FIN and leave a
# TIME_WAIT socket each, which slowed the next run's connects)
fresh() {
	ip netns del ck 2>/dev/null; ip netns del rs 2>/dev/null
	ip netns add ck; ip netns add rs
	ip link add v0 netns ck type veth peer name v1 netns rs
	ip -n ck addr add 198.51.100.1/24 dev v0
	ip -n ck link set v0 up; ip -n ck link set lo up
	ip -n rs -batch /tmp/addrs
	ip -n rs link set v1 up; ip -n rs link set lo up
	rm -f /tmp/accepts
	/usr/bin/ip netns exec rs ./checkers -listen $1 > /tmp/listen.log 2>&1 & L=$!
	PIDS="$PIDS $L"
	k=0; while ! grep -q READY /tmp/listen.log; do k=$((k+1)); [ $k -le 600 ] || { cat /tmp/listen.log; exit 1; }; sleep 0.1; done
}

# done_with PID: end the listeners, and PID if it outlived its parent
done_with() {
	j=0; while ! gone $1; do
		kill $1 2>/dev/null; j=$((j+1)); [ $j -le 100 ] || { echo "process $1 will not end"; exit 1; }; sleep 0.1
	done
	[ $j -eq 0 ] || echo "process $1 outlived its parent: ended it"
	kill $L; wait $L
}

# in_table: the real servers in at weight 1 in the checker's table
in_table() { ip netns exec ck ipvsadm -Ln | grep -c 'Masq    1 '; }

# sample NAME PID WARM WINDOW N: wait until all N real servers are in at
# weight 1 (the table programmed and every check passed once), or 60 s,
# then WARM more, measure over WINDOW, report, and count the real servers
# in again
sample() {
	w=0
	while [ "$(in_table)" -lt $5 ] && [ $w -lt 60 ]; do
		w=$((w+1)); sleep 1
	done
	echo "$1: $(in_table) of $5 real servers in after about ${w}s"
	sleep $3
	c0=$(cpu $2); t0=$(cut -d' ' -f1 /proc/uptime); a0=$(cat /tmp/accepts)
	sleep $4
	c1=$(cpu $2); t1=$(cut -d' ' -f1 /proc/uptime); a1=$(cat /tmp/accepts)
	up=$(in_table)
	echo "RESULT $1 n=$5 cpu_ticks=$((c1-c0)) wall=$(awk "BEGIN{print $t1-$t0}") checks=$((a1-a0)) $(mem $2) reals_up=$up"
}

measure_size() {
	n=$1; rounds=$2; warm=$3; window=$4
	if $PROFILE; then
		fresh $n
		/usr/bin/ip netns exec ck env $HENV ./checkers -check $n -profile - -warm ${warm}s -window ${window}s > /tmp/profile.out 2>&1 & P=$!
		sleep $((warm+window+3))
		kill $P; wait $P
		cat /tmp/profile.out
		done_with $P
	fi
	r=1
	while [ $r -le $rounds ]; do
		fresh $n
		/usr/bin/ip netns exec ck env $HENV ./hadirector run -c /work/h$n.toml -s /run/h.sock > /tmp/h.log 2>&1 & H=$!
		sample hadirector $H $warm $window $n
		kill $H; wait $H
		echo "hadirector: $(grep -c 'real server down' /tmp/h.log) real servers went down; the last causes:"
		grep 'real server down' /tmp/h.log | sed 's/.*err=//' | tail -3
		grep 'behind schedule' /tmp/h.log | tail -2
		done_with $H
		fresh $n
		/usr/bin/ip netns exec ck keepalived -n -C -f /work/k$n.conf -p /run/k.pid -c /run/kc.pid > /tmp/k.log 2>&1 & K=$!
		j=0; while [ ! -s /run/kc.pid ]; do j=$((j+1)); [ $j -le 300 ] || { cat /tmp/k.log; exit 1; }; sleep 0.1; done
		KC=$(cat /run/kc.pid)
		sample keepalived-checker $KC $warm $window $n
		kill $K; wait $K; rm -f /run/kc.pid /run/k.pid
		done_with $KC # the checker child must not check on through the next run
		r=$((r+1))
	done
}
`
