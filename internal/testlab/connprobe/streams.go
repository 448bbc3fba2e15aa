package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/echoline"
)

// streams opens n connections through the VIP, each from its own source
// port, and keeps exchanging a line on each at a fixed period: the
// ECMP survival test's load. It prints
//
//	stream PORT REAL            the first answer of the stream from PORT
//	open N                      once all N streams have answered
//	broken PORT SEQ: ERR        a stream failed (it ends)
//	changed PORT SEQ: NEW, was OLD  another real server answered (it ends)
//	mark K alive A broken B changed C
//
// The mark line follows SIGUSR1 number K once every stream still alive
// has completed an exchange it started after the signal: the event a
// test waits for after changing the route. SIGTERM prints the same
// counts as "summary" and exits 0. A failure to open exits 1.
func streams(args []string) int {
	fs := flag.NewFlagSet("streams", flag.ExitOnError)
	addr := fs.String("addr", "", "VIP:port")
	n := fs.Int("n", 200, "streams")
	every := fs.Duration("every", time.Second, "period of each stream's exchanges")
	timeout := fs.Duration("timeout", 10*time.Second, "an answer later than this breaks the stream")
	fs.Parse(args)

	p := &prober{out: bufio.NewWriter(os.Stdout), events: make(chan event, *n)}
	conns := make([]net.Conn, *n)
	for i := range conns {
		c, err := net.DialTimeout("tcp", *addr, *timeout)
		if err != nil {
			fmt.Printf("broken 0 0: dial %d: %v\n", i, err)
			return 1
		}
		defer c.Close()
		conns[i] = c
	}
	for i, c := range conns {
		// Spread the streams over the period so that the load is even.
		go p.run(c, time.Duration(i)*(*every)/time.Duration(*n), *every, *timeout)
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGTERM)
	return p.loop(*n, sig)
}

// event is one stream's news: an exchange completed (err and changed
// empty) that was started under mark gen, or the stream's end.
type event struct {
	port    int
	gen     int64
	real    string
	err     error
	changed string
}

type prober struct {
	mu     sync.Mutex
	out    *bufio.Writer
	gen    atomic.Int64 // the number of the last mark
	events chan event
}

func (p *prober) printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format, a...)
	p.out.Flush()
}

// run is one stream: an exchange every period until it fails.
func (p *prober) run(c net.Conn, offset, every, timeout time.Duration) {
	port := c.LocalAddr().(*net.TCPAddr).Port
	r := bufio.NewReader(c)
	time.Sleep(offset) // staggering the load, not synchronisation
	tick := time.NewTicker(every)
	defer tick.Stop()
	real := ""
	for seq := 1; ; seq++ {
		gen := p.gen.Load()
		c.SetDeadline(time.Now().Add(timeout))
		ans, err := exchange(c, r, seq)
		switch {
		case err != nil:
			p.events <- event{port: port, err: fmt.Errorf("%d: %w", seq, err)}
			return
		case real != "" && ans != real:
			p.events <- event{port: port, changed: fmt.Sprintf("%d: %s, was %s", seq, ans, real)}
			return
		}
		real = ans
		p.events <- event{port: port, gen: gen, real: ans}
		<-tick.C
	}
}

// exchange sends seq and returns the name of the real server that echoed
// it (package echoline).
func exchange(c net.Conn, r *bufio.Reader, seq int) (string, error) {
	name, err := echoline.Exchange(c, r, seq)
	if err == nil && name == "" {
		err = fmt.Errorf("answer to %d names no server", seq)
	}
	return name, err
}

// loop keeps the streams' states and prints the lines streams documents.
func (p *prober) loop(n int, sig <-chan os.Signal) int {
	type state struct {
		gen  int64 // the mark under which its last completed exchange started
		real string
	}
	alive := map[int]*state{}
	broken, changed := 0, 0
	opened := false
	pending := int64(-1) // the mark waited for; -1: none
	counts := func() string {
		return fmt.Sprintf("alive %d broken %d changed %d", len(alive), broken, changed)
	}
	check := func() {
		if !opened && len(alive)+broken+changed == n {
			opened = true
			p.printf("open %d\n", len(alive))
		}
		if pending < 0 {
			return
		}
		for _, s := range alive {
			if s.gen < pending {
				return
			}
		}
		p.printf("mark %d %s\n", pending, counts())
		pending = -1
	}
	for {
		select {
		case s := <-sig:
			if s == syscall.SIGTERM {
				p.printf("summary %s\n", counts())
				return 0
			}
			pending = p.gen.Add(1)
			check()
		case e := <-p.events:
			switch {
			case e.err != nil:
				delete(alive, e.port)
				broken++
				p.printf("broken %d %v\n", e.port, e.err)
			case e.changed != "":
				delete(alive, e.port)
				changed++
				p.printf("changed %d %s\n", e.port, e.changed)
			default:
				s, ok := alive[e.port]
				if !ok {
					s = &state{}
					alive[e.port] = s
					p.printf("stream %d %s\n", e.port, e.real)
				}
				s.gen, s.real = e.gen, e.real
			}
			check()
		}
	}
}
