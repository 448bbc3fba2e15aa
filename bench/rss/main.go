// Command rss breaks down the resident memory of hadirector's daemon in the
// qemu guest of bench/checkers, next to what it is made of and what it is
// compared with: the smallest Go daemon (the language runtime's floor), the
// health checker alone (ipvs.Health without the daemon) and keepalived's
// checker process, on the same 1,000 TCP checks at 1 s (see README.md). For
// each it prints RssAnon, the binary's pages (RssFile+RssShmem), the
// anonymous memory in transparent huge pages, and the executable's
// resident pages by ELF section. Run as root from the repository root:
//
//	go run ./bench/rss
//	go run ./bench/rss -n 1000 -rounds 3 -faultaround 4096
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
	"github.com/hadirector/hadirector/internal/unitenv"
)

func main() {
	pagesPID := flag.Int("pages", 0, "(internal) print the breakdown of this process")
	name := flag.String("name", "", "(internal, with -pages) its name in the report")
	n := flag.Int("n", 1000, "real servers checked (a multiple of 10)")
	rounds := flag.Int("rounds", 3, "rounds of the four programs")
	settle := flag.Duration("settle", 15*time.Second, "from every real server in (or the start, for the floor and the checker alone) to the reading")
	faultAround := flag.Int("faultaround", 0, "set the guest kernel's fault_around_bytes (default: leave its 65536): 4096 maps only the pages a program touches")
	flag.Parse()
	var err error
	if *pagesPID > 0 {
		err = pageBreakdown(os.Stdout, *name, *pagesPID)
	} else {
		err = run(*n, *rounds, *settle, *faultAround)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/rss:", err)
		os.Exit(1)
	}
}

func run(n, rounds int, settle time.Duration, faultAround int) error {
	if n <= 0 || n%10 != 0 {
		return fmt.Errorf("-n %d: want a positive multiple of 10", n)
	}
	k, err := guest.FindKernel("/")
	if err != nil {
		return err
	}
	keepalived, err := exec.LookPath("keepalived")
	if err != nil {
		return fmt.Errorf("keepalived: %w (apt-get install keepalived)", err)
	}
	dir, err := os.MkdirTemp("", "bench-rss-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := guest.StaticBinaries(dir, map[string]string{"hadirector": "./cmd/hadirector",
		"checkers": "./bench/checkers", "rss": "./bench/rss", "floor": "./bench/rss/floor"})
	if err != nil {
		return err
	}
	env, err := unitenv.Read(unitenv.Path)
	if err != nil {
		return err
	}
	// The configurations are bench/checkers' own, which prints them.
	for _, side := range []string{"hadirector", "keepalived"} {
		out, err := exec.Command("go", "run", "./bench/checkers", "-conf", side, "-sizes", strconv.Itoa(n)).Output()
		if err != nil {
			return fmt.Errorf("bench/checkers -conf %s: %w", side, err)
		}
		files = append(files, guest.File{Path: "/work/" + side + ".conf", Data: out})
	}
	script := fmt.Sprintf("HENV=%q\nN=%d\nROUNDS=%d\nSETTLE=%d\nFAULTAROUND=%d\n%s",
		strings.Join(env, " "), n, rounds, int(settle.Seconds()), faultAround, guestScript)
	img := guest.Image{Kernel: k, Modules: guest.IPVSModules, Binaries: append(guest.IPVSTools, keepalived),
		Files: files, Script: script}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Minute)
	defer cancel()
	fmt.Printf("kernel %s, qemu TCG, 1 vCPU; %d TCP checks at 1 s; Go programs with %s; host load %s\n",
		k.Version, n, strings.Join(env, " "), loadavg())
	var console bytes.Buffer
	res, err := guest.Run(ctx, img, guest.Options{Console: io.MultiWriter(os.Stdout, &console), Memory: "2048M"})
	if err != nil {
		return err
	}
	if res.Exit != 0 {
		return fmt.Errorf("guest script exited %d", res.Exit)
	}
	summarize(os.Stdout, console.String())
	return nil
}

// summarize prints the min/median/max of each program's RSS lines.
func summarize(w io.Writer, console string) {
	vals := map[string]map[string][]float64{}
	var order, fields []string
	for _, l := range strings.Split(console, "\n") {
		f := strings.Fields(strings.TrimSpace(l))
		if len(f) < 3 || f[0] != "RSS" {
			continue
		}
		if vals[f[1]] == nil {
			vals[f[1]] = map[string][]float64{}
			order = append(order, f[1])
		}
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			if !slices.Contains(fields, k) {
				fields = append(fields, k)
			}
			vals[f[1]][k] = append(vals[f[1]][k], x)
		}
	}
	for _, name := range order {
		fmt.Fprintf(w, "SUMMARY %s", name)
		for _, k := range fields {
			if v := vals[name][k]; len(v) > 0 {
				s := slices.Sorted(slices.Values(v))
				fmt.Fprintf(w, " %s %.0f/%.0f/%.0f", k, s[0], s[len(s)/2], s[len(s)-1])
			}
		}
		fmt.Fprintln(w)
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// guestScript runs in the guest (busybox sh): the real servers as
// listeners in a namespace (bench/checkers -listen), then, each round, the
// floor, the checker alone, the daemon and keepalived's checker in turn,
// each read SETTLE seconds after it is up (for the last two: after every
// real server is in the table at weight 1).
const guestScript = `set -u
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT
if [ "$FAULTAROUND" -gt 0 ]; then
	mount -t debugfs none /sys/kernel/debug
	echo $FAULTAROUND > /sys/kernel/debug/fault_around_bytes
fi
echo "THP $(cat /sys/kernel/mm/transparent_hugepage/enabled); fault_around_bytes $(cat /sys/kernel/debug/fault_around_bytes 2>/dev/null || echo 65536)"
ip netns add rs
ip link add v0 type veth peer name v1
ip link set v1 netns rs
ip addr add 198.51.100.1/24 dev v0
ip link set v0 up
i=2; while [ $i -le 251 ]; do echo "addr add 198.51.100.$i/24 dev v1"; i=$((i+1)); done > /tmp/addrs
ip -n rs -batch /tmp/addrs
ip -n rs link set v1 up
ip -n rs link set lo up
ulimit -n 65536
syslogd -O /tmp/messages

/usr/bin/ip netns exec rs ./checkers -listen $N > /tmp/listen.log 2>&1 & L=$!
PIDS="$PIDS $L"
k=0; while ! grep -q READY /tmp/listen.log; do k=$((k+1)); [ $k -le 600 ] || { cat /tmp/listen.log; exit 1; }; sleep 0.1; done

# in_table N: wait until N real servers are in at weight 1, or 60 s
in_table() {
	w=0
	while [ "$(ipvsadm -Ln | grep -c 'Masq    1 ')" -lt $1 ] && [ $w -lt 60 ]; do w=$((w+1)); sleep 1; done
}

r=1
while [ $r -le $ROUNDS ]; do
	env $HENV ./floor & P=$!
	sleep $SETTLE; ./rss -pages $P -name floor; kill $P; wait $P
	env $HENV ./checkers -check $N > /dev/null 2>&1 & P=$!
	sleep $SETTLE; ./rss -pages $P -name checker-alone; kill $P; wait $P
	ipvsadm -C
	env $HENV ./hadirector run -c /work/hadirector.conf -s /run/h.sock > /tmp/h.log 2>&1 & P=$!
	in_table $N; sleep $SETTLE; ./rss -pages $P -name hadirector; kill $P; wait $P
	ipvsadm -C
	keepalived -n -C -f /work/keepalived.conf -p /run/k.pid -c /run/kc.pid > /tmp/k.log 2>&1 & K=$!
	in_table $N; KC=$(cat /run/kc.pid); sleep $SETTLE; ./rss -pages $KC -name keepalived-checker; kill $K; wait $K
	rm -f /run/kc.pid /run/k.pid
	# the checker child may outlive its parent: it must not run into the next round
	while [ -e /proc/$KC ] && ! grep -q '^State:.*Z' /proc/$KC/status; do kill $KC 2>/dev/null; sleep 0.1; done
	ipvsadm -C
	r=$((r+1))
done
`
