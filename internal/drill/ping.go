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
	"golang.org/x/net/ipv6"
)

// Pinger sends an ICMP (ICMPv6 for an IPv6 VIP) echo to a VIP every Interval and records when each
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
	conn, err := listenICMP(nsPath, dst.Is6())
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

// listenICMP opens an ICMP (v6: ICMPv6) socket, in the namespace at
// nsPath if set.
func listenICMP(nsPath string, v6 bool) (*icmp.PacketConn, error) {
	listen := func() (*icmp.PacketConn, error) {
		if v6 {
			return icmp.ListenPacket("ip6:ipv6-icmp", "::")
		}
		return icmp.ListenPacket("ip4:icmp", "0.0.0.0")
	}
	if nsPath == "" {
		return listen()
	}
	var c *icmp.PacketConn
	err := nsenter.Do(nsPath, func() (err error) {
		c, err = listen()
		return err
	})
	return c, err
}

// echo is the request type, reply type and protocol number of dst's ICMP.
func echo(dst netip.Addr) (request, reply icmp.Type, proto int) {
	if dst.Is6() {
		return ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	return ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply, 1
}

func (p *Pinger) send(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.interval)
	defer t.Stop()
	id := os.Getpid() & 0xffff
	request, _, _ := echo(p.dst)
	for seq := 1; ; seq++ {
		// An ICMPv6 socket fills in the checksum itself.
		b, _ := (&icmp.Message{Type: request, Body: &icmp.Echo{ID: id, Seq: seq & 0xffff, Data: []byte("hadirector drill")}}).Marshal(nil)
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
	_, reply, proto := echo(p.dst)
	for {
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		at := time.Now()
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != reply {
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
