package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

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

// longestGap is the longest time without a reply in a row's window
// [from, to), and where it began, from the row's own replies.
func (p *pinger) longestGap(from, to time.Time) (time.Duration, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return longestGap(p.replies, from, to)
}

// longestGap is the longest time without a reply among replies (in order)
// from from, the row's trigger, to the last reply before to, the next
// row's trigger. An outage that begins at the trigger counts from it. The
// time after the last reply before to is no gap of the row: rows start
// once the VIP answers again, so an outage running at to began in the
// next row.
func longestGap(replies []time.Time, from, to time.Time) (gap time.Duration, at time.Time) {
	last := from
	for _, r := range replies {
		if r.Before(from) {
			continue
		}
		if !r.Before(to) {
			break
		}
		if r.Sub(last) > gap {
			gap, at = r.Sub(last), last
		}
		last = r
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
