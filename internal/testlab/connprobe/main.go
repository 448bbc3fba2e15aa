// Command connprobe is the long-lived TCP connection of the sync tests: a
// server that answers each line with its name, and a client that keeps
// one connection through the VIP, exchanges a line at a fixed period and
// reports each answer, the real server that gave it, and the longest stall
// since the last mark (SIGUSR1). It exists because the guest has no tool
// that does this and says when a connection broke. The sync end-to-end
// test (integration/sync_e2e_guest_test.go) and bench/sync build it
// statically for the guest; the ECMP survival test
// (integration/ecmp_guest_test.go) uses streams and seen.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: connprobe serve -name N -addr A | client -addr A [-every D] [-timeout D] | flood -addr A -n N [-c C] | streams -addr A [-n N] | seen -i IF -dst A -name N")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(os.Args[2:]))
	case "client":
		os.Exit(client(os.Args[2:]))
	case "flood":
		os.Exit(flood(os.Args[2:]))
	case "streams":
		os.Exit(streams(os.Args[2:]))
	case "seen":
		os.Exit(seen(os.Args[2:]))
	}
	fmt.Fprintln(os.Stderr, "connprobe: unknown mode", os.Args[1])
	os.Exit(2)
}

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	name := fs.String("name", "", "name given in every answer")
	addr := fs.String("addr", ":80", "listen address")
	fs.Parse(args)
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connprobe serve:", err)
		return 1
	}
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "connprobe serve:", err)
			return 1
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if _, err := fmt.Fprintf(c, "%s %s", *name, line); err != nil {
					return
				}
			}
		}()
	}
}

// client prints "ok SEQ REAL" per answer, "mark N maxgap MS" on SIGUSR1
// (the longest time between two answers since the previous mark, and the
// current time's stall), and "broken SEQ: ERR" when the connection fails
// (exit 1) or "real changed" when another server answers (exit 3).
// SIGTERM ends it with a summary and exit 0.
func client(args []string) int {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	addr := fs.String("addr", "", "VIP:port")
	every := fs.Duration("every", 100*time.Millisecond, "period of the exchanges")
	timeout := fs.Duration("timeout", 20*time.Second, "an answer later than this breaks the connection")
	fs.Parse(args)
	c, err := net.DialTimeout("tcp", *addr, *timeout)
	if err != nil {
		fmt.Printf("broken 0: %v\n", err)
		return 1
	}
	defer c.Close()
	fmt.Printf("connected %s -> %s\n", c.LocalAddr(), c.RemoteAddr())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGTERM)
	r := bufio.NewReader(c)
	real := ""
	last := time.Now()
	var maxGap time.Duration
	marks := 0
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for seq := 1; ; seq++ {
		select {
		case s := <-sig:
			if s == syscall.SIGTERM {
				fmt.Printf("summary exchanges %d real %s maxgap %d\n", seq-1, real, maxGap.Milliseconds())
				return 0
			}
			marks++
			fmt.Printf("mark %d maxgap %d\n", marks, maxGap.Milliseconds())
			maxGap = 0
		case <-tick.C:
		}
		c.SetDeadline(time.Now().Add(*timeout))
		ans, err := exchange(c, r, seq)
		if err != nil {
			fmt.Printf("broken %d: %v\n", seq, err)
			return 1
		}
		if real == "" {
			real = ans
		} else if ans != real {
			fmt.Printf("real changed %d: %s, was %s\n", seq, ans, real)
			return 3
		}
		now := time.Now()
		if g := now.Sub(last); g > maxGap {
			maxGap = g
		}
		last = now
		fmt.Printf("ok %d %s\n", seq, ans)
	}
}

// flood opens n connections, c at a time, exchanges one line on each and
// keeps them all open until SIGTERM: the sync benchmark's load. It prints
// "flood N conns in MS ms" once all are open.
func flood(args []string) int {
	fs := flag.NewFlagSet("flood", flag.ExitOnError)
	addr := fs.String("addr", "", "VIP:port")
	n := fs.Int("n", 1000, "connections")
	par := fs.Int("c", 16, "connections opened at a time")
	fs.Parse(args)
	start := time.Now()
	conns := make(chan net.Conn, *n)
	errs := make(chan error, *n)
	sem := make(chan struct{}, *par)
	for i := 0; i < *n; i++ {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			c, err := net.DialTimeout("tcp", *addr, 10*time.Second)
			if err == nil {
				c.SetDeadline(time.Now().Add(10 * time.Second))
				_, err = fmt.Fprintln(c, 1)
			}
			if err == nil {
				_, err = bufio.NewReader(c).ReadString('\n')
			}
			if err != nil {
				errs <- err
				return
			}
			conns <- c
		}()
	}
	for i := 0; i < *par; i++ {
		sem <- struct{}{}
	}
	if len(errs) > 0 {
		fmt.Printf("flood failed: %d errors, first: %v\n", len(errs), <-errs)
		return 1
	}
	fmt.Printf("flood %d conns in %d ms\n", len(conns), time.Since(start).Milliseconds())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	return 0
}
