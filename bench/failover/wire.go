package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/pcapfile"
)

// wireEvents are the VRRP adverts and ARPs captured at the gateway.
type wireFrame struct {
	at       time.Time
	arp      bool
	srcMAC   string
	srcIP    string
	priority int // VRRP
}

func readWire(path string) ([]wireFrame, error) {
	frames, err := pcapfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []wireFrame
	for _, f := range frames {
		if len(f.Data) < 14 {
			continue
		}
		w := wireFrame{at: f.Time, srcMAC: net.HardwareAddr(f.Data[6:12]).String()}
		if f.Data[12] == 0x08 && f.Data[13] == 0x06 {
			w.arp = true
			out = append(out, w)
			continue
		}
		ip, err := f.IPv4()
		if err != nil || ip.Protocol != 112 || len(ip.Payload) < 3 {
			continue
		}
		w.srcIP, w.priority = ip.Src.String(), int(ip.Payload[2])
		out = append(out, w)
	}
	return out, nil
}

// firstAfter is the first frame at or after t that match accepts.
func firstAfter(frames []wireFrame, t time.Time, match func(wireFrame) bool) (wireFrame, bool) {
	for _, f := range frames {
		if !f.at.Before(t) && match(f) {
			return f, true
		}
	}
	return wireFrame{}, false
}

// pinger collects the reply times of `ping -D` output.
type pinger struct {
	mu      sync.Mutex
	replies []time.Time
	buf     strings.Builder
	changed chan struct{} // closed, and replaced, when replies grow
}

// await returns once n replies have arrived after t, so that a row starts
// only when the previous row's outage is over and is not charged to it.
func (p *pinger) await(t time.Time, n int, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		got := 0
		for i := len(p.replies) - 1; i >= 0 && p.replies[i].After(t); i-- {
			got++
		}
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		ch := p.changed
		p.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-deadline:
			return fmt.Errorf("%d ping replies after %s: got %d in %v", n, t.Format("15:04:05.000"), got, timeout)
		}
	}
}

func (p *pinger) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	s := p.buf.String()
	i := strings.LastIndexByte(s, '\n')
	if i < 0 {
		return len(b), nil
	}
	sc := bufio.NewScanner(strings.NewReader(s[:i]))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "[") || !strings.Contains(line, "bytes from") {
			continue
		}
		end := strings.IndexByte(line, ']')
		sec, err := strconv.ParseFloat(line[1:end], 64)
		if err != nil {
			continue
		}
		p.replies = append(p.replies, time.Unix(0, int64(sec*1e9)))
	}
	p.buf.Reset()
	p.buf.WriteString(s[i+1:])
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
	return len(b), nil
}

// longestGap is the longest time without a reply, and where it began, in
// the outage a row's action starts at from: replies from from on, up to and including the first
// reply at or after to, so that an outage still running when the next row
// begins is counted here, where it began. An outage that began before from
// is counted only from from.
func (p *pinger) longestGap(from, to time.Time) (gap time.Duration, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := time.Time{}
	for _, r := range p.replies {
		if r.Before(from) {
			last = from
			continue
		}
		if !last.IsZero() && r.Sub(last) > gap {
			gap, at = r.Sub(last), last
		}
		last = r
		if !r.Before(to) {
			break
		}
	}
	return gap, at
}

func (p *pinger) dump(row string, from, to time.Time) {
	gap, at := p.longestGap(from, to)
	p.mu.Lock()
	defer p.mu.Unlock()
	var in []string
	prev := from
	for _, r := range p.replies {
		if r.Before(from.Add(-50*time.Millisecond)) || r.After(to) {
			continue
		}
		in = append(in, fmt.Sprintf("%+.1f", float64(r.Sub(prev).Microseconds())/1000))
		prev = r
	}
	fmt.Fprintf(os.Stderr, "%s: %d replies, deltas %v\n", row, len(in), in[:min(len(in), 80)])
	fmt.Fprintf(os.Stderr, "%s: longest gap %v from %s (+%v)\n", row, gap, at.Format("15:04:05.000000"), at.Sub(from))
}
