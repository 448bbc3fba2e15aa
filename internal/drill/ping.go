package drill

import (
	"context"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// Pinger sends an ICMP echo to a VIP every Interval and records when each
// reply came back.
type Pinger struct {
	conn     *icmp.PacketConn
	dst      netip.Addr
	interval time.Duration
	mu       sync.Mutex
	sent     int
	replies  []time.Time
	wg       sync.WaitGroup
}

// Ping opens the ICMP socket, in the network namespace at nsPath if set
// (the socket stays there), and starts pinging dst until ctx ends.
func Ping(ctx context.Context, dst netip.Addr, interval time.Duration, nsPath string) (*Pinger, error) {
	conn, err := listenICMP(nsPath)
	if err != nil {
		return nil, err
	}
	p := &Pinger{conn: conn, dst: dst, interval: interval}
	p.wg.Add(2)
	go p.send(ctx)
	go p.recv()
	go func() { <-ctx.Done(); conn.Close() }()
	return p, nil
}

func listenICMP(nsPath string) (*icmp.PacketConn, error) {
	if nsPath == "" {
		return icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	}
	var c *icmp.PacketConn
	err := nsenter.Do(nsPath, func() (err error) {
		c, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	return c, err
}

func (p *Pinger) send(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	id := os.Getpid() & 0xffff
	for seq := 1; ; seq++ {
		b, _ := (&icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq & 0xffff, Data: []byte("hadirector drill")}}).Marshal(nil)
		if _, err := p.conn.WriteTo(b, &net.IPAddr{IP: p.dst.AsSlice()}); err == nil {
			p.mu.Lock()
			p.sent++
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Pinger) recv() {
	defer p.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		at := time.Now()
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		if a, ok := from.(*net.IPAddr); !ok || !a.IP.Equal(p.dst.AsSlice()) {
			continue
		}
		p.mu.Lock()
		p.replies = append(p.replies, at)
		p.mu.Unlock()
	}
}

// Wait waits for the pinger to stop (its ctx ended).
func (p *Pinger) Wait() { p.wg.Wait() }

// Replies returns when each echo reply came back, in order.
func (p *Pinger) Replies() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.replies...)
}

// Result is the pinger's record: echoes sent, replies, and the longest time
// between two consecutive replies.
func (p *Pinger) Result() (sent, replies int, longestGap time.Duration, gapStart time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 1; i < len(p.replies); i++ {
		if g := p.replies[i].Sub(p.replies[i-1]); g > longestGap {
			longestGap, gapStart = g, p.replies[i-1]
		}
	}
	return p.sent, len(p.replies), longestGap, gapStart
}
