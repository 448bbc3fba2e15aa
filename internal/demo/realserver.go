package demo

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/nsenter"
)

// realServer answers every line a client sends with its name and the line,
// from a socket in its namespace, as a web server behind LVS would.
type realServer struct {
	name string
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]bool
}

// serve listens on port 80 inside the lab's namespace ns.
func serve(l *netlab.Lab, ns string) (*realServer, error) {
	s := &realServer{name: ns, open: map[net.Conn]bool{}}
	err := nsenter.Do(nsenter.Path(l.NS(ns)), func() (err error) {
		s.ln, err = net.Listen("tcp4", "0.0.0.0:80")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("real server %s: %w", ns, err)
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func (s *realServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.open[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				if _, err := fmt.Fprintf(c, "%s %s\n", s.name, sc.Text()); err != nil {
					break
				}
			}
			s.mu.Lock()
			delete(s.open, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// Close stops listening, ends the open connections and waits for them.
func (s *realServer) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// client is a TCP connection from the lab's client namespace to the VIP.
type client struct {
	c  net.Conn
	rd *bufio.Reader
}

func dial(l *netlab.Lab, ns, addr string) (*client, error) {
	var c net.Conn
	err := nsenter.Do(nsenter.Path(l.NS(ns)), func() (err error) {
		c, err = net.DialTimeout("tcp4", addr, 5*time.Second)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &client{c: c, rd: bufio.NewReader(c)}, nil
}

// ask sends one line and returns the name of the real server that
// answered it, waiting at most wait (TCP retransmits across a failover).
func (c *client) ask(line string, wait time.Duration) (string, error) {
	c.c.SetDeadline(time.Now().Add(wait))
	if _, err := fmt.Fprintln(c.c, line); err != nil {
		return "", err
	}
	answer, err := c.rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	var name, echo string
	if n, _ := fmt.Sscanf(answer, "%s %s", &name, &echo); n != 2 || echo != line {
		return "", errors.New("unexpected answer " + answer)
	}
	return name, nil
}

func (c *client) Close() error { return c.c.Close() }

// local is the client's end of the connection (address:port).
func (c *client) local() string { return c.c.LocalAddr().String() }
