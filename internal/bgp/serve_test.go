package bgp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

var testCfg = Config{ASN: 65001, RouterID: netip.MustParseAddr("192.0.2.11"),
	Peers: []Peer{{Address: netip.MustParseAddr("192.0.2.1"), ASN: 64512, HoldTime: 3 * time.Second}}}

// served is Serve running in this process over pipes, with a fake engine.
type served struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Scanner
	rec  *recorder
	done chan error
	next uint64
}

func serve(t *testing.T) *served {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &served{t: t, in: inW, out: bufio.NewScanner(outR), rec: &recorder{}, done: make(chan error, 1)}
	go func() {
		s.done <- Serve(inR, outW, func(_ context.Context, cfg Config, log *slog.Logger) (Engine, error) {
			return openFake(cfg, log, s.rec.add)
		})
		outW.Close()
	}()
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return s
}

// ask sends r and returns the answer to it, skipping log records.
func (s *served) ask(r Request) Reply {
	s.t.Helper()
	s.next++
	r.ID = s.next
	b, err := MarshalRequest(r)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.in.Write(b); err != nil {
		s.t.Fatal(err)
	}
	for s.out.Scan() {
		rep, err := UnmarshalReply(s.out.Bytes())
		if err != nil {
			s.t.Fatal(err)
		}
		if rep.Log == nil {
			if rep.ID != r.ID {
				s.t.Fatalf("answer %d to request %d", rep.ID, r.ID)
			}
			return rep
		}
	}
	s.t.Fatalf("no answer to %+v: %v", r, s.out.Err())
	return Reply{}
}

func TestServe(t *testing.T) {
	s := serve(t)
	cfg := testCfg
	if rep := s.ask(Request{Op: OpStart, Config: &cfg}); rep.Err != "" {
		t.Fatal(rep.Err)
	}
	if rep := s.ask(Request{Op: OpAnnounce, VIPs: []netip.Addr{vip4, vip6}}); rep.Err != "" {
		t.Fatal(rep.Err)
	}
	if rep := s.ask(Request{Op: OpAnnounce, VIPs: []netip.Addr{refusedVIP, vip4}}); !strings.Contains(rep.Err, "192.0.2.99 refused") {
		t.Errorf("a refused announce answered %+v", rep)
	}
	s.ask(Request{Op: OpWithdraw, VIPs: []netip.Addr{vip6}})
	if rep := s.ask(Request{Op: OpPeers}); len(rep.Peers) != 1 || rep.Peers[0].ASN != 64512 {
		t.Errorf("peers: %+v", rep)
	}
	if rep := s.ask(Request{Op: OpStart, Config: &cfg}); !strings.Contains(rep.Err, "started already") {
		t.Errorf("a second start answered %+v", rep)
	}
	s.ask(Request{Op: OpPing})
	s.in.Close() // the director stops: EOF
	if err := <-s.done; err != nil {
		t.Errorf("Serve after EOF: %v", err)
	}
	want := []string{"start 65001", "announce 203.0.113.80", "announce 2001:db8::80", "withdraw 2001:db8::80", "stop"}
	if got := s.rec.list(); !slices.Equal(got, want) {
		t.Errorf("the engine was told %q, want %q", got, want)
	}
}

// A start the engine refuses is answered with the error, and Serve ends.
func TestServeStartRefused(t *testing.T) {
	s := serve(t)
	cfg := testCfg
	cfg.ASN = 0
	if rep := s.ask(Request{Op: OpStart, Config: &cfg}); !strings.Contains(rep.Err, "AS 0 refused") {
		t.Errorf("start answered %+v", rep)
	}
	if err := <-s.done; err == nil {
		t.Error("Serve after a refused start: no error")
	}
	s = serve(t)
	if rep := s.ask(Request{Op: OpPing}); !strings.Contains(rep.Err, `before "start"`) {
		t.Errorf("a ping first answered %+v", rep)
	}
}

// A director that falls silent for the watchdog time stops the speaker.
func TestServeWatchdog(t *testing.T) {
	s := serve(t)
	cfg := testCfg
	s.ask(Request{Op: OpStart, Config: &cfg, Watchdog: 50 * time.Millisecond})
	go func() {
		for s.out.Scan() {
		}
	}()
	if err := <-s.done; !errors.Is(err, ErrWatchdog) {
		t.Fatalf("Serve: %v, want ErrWatchdog", err)
	}
	if got := s.rec.list(); got[len(got)-1] != "stop" {
		t.Errorf("the engine was told %q, want it stopped", got)
	}
}

// A line that is no request stops the speaker too.
func TestServeBadRequest(t *testing.T) {
	s := serve(t)
	cfg := testCfg
	s.ask(Request{Op: OpStart, Config: &cfg})
	go func() {
		for s.out.Scan() {
		}
	}()
	io.WriteString(s.in, `{"id":9,"op":"reboot"}`+"\n")
	if err := <-s.done; err == nil || !strings.Contains(err.Error(), "reboot") {
		t.Errorf("Serve: %v, want the bad request's error", err)
	}
}

func TestWatchdogOfConfig(t *testing.T) {
	p := func(hold time.Duration, bfd *BFD) Peer { return Peer{HoldTime: hold, BFD: bfd} }
	bfd := &BFD{MinTx: 300 * time.Millisecond, MinRx: 500 * time.Millisecond, Multiplier: 3}
	for _, c := range []struct {
		peers []Peer
		want  time.Duration
	}{
		{nil, 30 * time.Second},
		{[]Peer{p(9*time.Second, nil)}, 9 * time.Second},
		{[]Peer{p(9*time.Second, nil), p(3*time.Second, nil)}, 3 * time.Second},
		{[]Peer{p(0, nil)}, 30 * time.Second},
		{[]Peer{p(9*time.Second, bfd)}, 1500 * time.Millisecond},
		{[]Peer{p(9*time.Second, &BFD{MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond, Multiplier: 3})}, time.Second},
	} {
		if got := (Config{Peers: c.peers}).Watchdog(); got != c.want {
			t.Errorf("Watchdog of %+v = %v, want %v", c.peers, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i, w := range want {
		if got := Backoff(i); got != w*time.Second {
			t.Errorf("Backoff(%d) = %v, want %v", i, got, w*time.Second)
		}
	}
	if got := Backoff(1 << 30); got != 30*time.Second {
		t.Errorf("Backoff(huge) = %v", got)
	}
}
