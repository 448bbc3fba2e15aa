package drill

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/echoline"
	"github.com/hadirector/hadirector/internal/nsenter"
)

// Streams are long-lived TCP connections to a VIP, each sending its
// sequence number as a line every period and reading the answer: a server
// that echoes the line names itself as "NAME SEQ", one that echoes it
// bare is named by nothing ("").
type Streams struct {
	mu      sync.Mutex
	streams []*stream
	wg      sync.WaitGroup
}

type stream struct {
	first, last string // the first and latest answerer's name
	exchanges   int
	lastAt      time.Time
	err         string // why it ended; empty: alive
}

// OpenStreams dials n connections to addr, from the network namespace at
// nsPath if set, and runs their exchanges every period until ctx ends; an
// answer later than timeout breaks a stream.
func OpenStreams(ctx context.Context, addr string, n int, period, timeout time.Duration, nsPath string) (*Streams, error) {
	s := &Streams{}
	conns := make([]net.Conn, 0, n)
	for i := range n {
		var c net.Conn
		dial := func() (err error) {
			c, err = net.DialTimeout("tcp", addr, timeout)
			return err
		}
		var err error
		if nsPath == "" {
			err = dial()
		} else {
			err = nsenter.Do(nsPath, dial)
		}
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, fmt.Errorf("stream %d of %d to %s: %w", i+1, n, addr, err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		st := &stream{}
		s.streams = append(s.streams, st)
		s.wg.Add(1)
		go s.run(ctx, c, st, time.Duration(i)*period/time.Duration(n), period, timeout)
	}
	return s, nil
}

func (s *Streams) run(ctx context.Context, c net.Conn, st *stream, offset, period, timeout time.Duration) {
	defer s.wg.Done()
	defer c.Close()
	go func() { <-ctx.Done(); c.SetDeadline(time.Now()) }()
	r := bufio.NewReader(c)
	t := time.NewTimer(offset) // spreads the load over the period
	defer t.Stop()
	for seq := 1; ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(period)
		c.SetDeadline(time.Now().Add(timeout))
		name, err := echoline.Exchange(c, r, seq)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		switch {
		case err != nil:
			st.err = fmt.Sprintf("%sbroken at exchange %d: %v", carriedBy(st.last), seq, err)
		case st.first != "" && name != st.last:
			st.err = fmt.Sprintf("%sanswered by %s at exchange %d", carriedBy(st.last), name, seq)
		default:
			if st.first == "" {
				st.first = name
			}
			st.last, st.exchanges, st.lastAt = name, st.exchanges+1, time.Now()
		}
		dead := st.err != ""
		s.mu.Unlock()
		if dead {
			return
		}
	}
}

// carriedBy names the server that answered a stream, for its end's note.
func carriedBy(name string) string {
	if name == "" {
		return ""
	}
	return "on " + name + ": "
}

// Wait waits for every stream to end (ctx ended).
func (s *Streams) Wait() { s.wg.Wait() }

// StreamCounts is what became of the streams.
type StreamCounts struct {
	Opened   int            `json:"opened"`
	Answered int            `json:"answered"` // completed at least one exchange
	Alive    int            `json:"alive"`    // still exchanging with the same server
	Ended    []string       `json:"ended,omitempty"`
	ByServer map[string]int `json:"by_server,omitempty"` // first answerer of each stream, when it names itself
}

// Counts says what became of the streams so far.
func (s *Streams) Counts() StreamCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := StreamCounts{Opened: len(s.streams)}
	for _, st := range s.streams {
		if st.exchanges > 0 || st.err != "" {
			c.Answered++
		}
		if st.first != "" {
			if c.ByServer == nil {
				c.ByServer = map[string]int{}
			}
			c.ByServer[st.first]++
		}
		if st.err != "" {
			c.Ended = append(c.Ended, st.err)
		} else if st.exchanges > 0 {
			c.Alive++
		}
	}
	return c
}

// exchangedSince reports whether every stream still alive has completed an
// exchange after t.
func (s *Streams) exchangedSince(t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.err == "" && !st.lastAt.After(t) {
			return false
		}
	}
	return true
}
