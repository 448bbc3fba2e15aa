package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
)

// fakeEnv, set, makes this test binary a speaker process whose engine
// appends what it is told to the file the variable names.
const fakeEnv = "HADIRECTOR_TEST_FAKE_SPEAKER"

// directorEnv, set, makes this test binary a director that starts a fake
// speaker process, prints its pid and waits to be killed.
const directorEnv = "HADIRECTOR_TEST_FAKE_DIRECTOR"

func TestMain(m *testing.M) {
	if os.Getenv(directorEnv) != "" {
		exe, _ := os.Executable()
		os.Unsetenv(directorEnv)
		p, err := Start(exe, testCfg, nil)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(p.Process().PID)
		p.Announce(hangVIP)
		select {}
	}
	if path := os.Getenv(fakeEnv); path != "" {
		signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP) // as hadirector-bgp does
		err := Serve(os.Stdin, os.Stdout, func(_ context.Context, cfg Config, log *slog.Logger) (Engine, error) {
			return openFake(cfg, log, func(s string) {
				f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
				if err == nil {
					fmt.Fprintln(f, s)
					f.Close()
				}
			})
		})
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fake is an Engine that records what it is told. AS 0 is refused at
// start; VIP 192.0.2.99 is refused by Announce; 192.0.2.98 hangs it.
type fake struct {
	cfg    Config
	record func(string)
	mu     sync.Mutex
}

var (
	refusedVIP = netip.MustParseAddr("192.0.2.99")
	hangVIP    = netip.MustParseAddr("192.0.2.98") // Announce never returns
)

func openFake(cfg Config, log *slog.Logger, record func(string)) (*fake, error) {
	if cfg.ASN == 0 {
		return nil, errors.New("fake: AS 0 refused")
	}
	log.Warn("fake speaker started", "asn", cfg.ASN)
	record(fmt.Sprintf("start %d", cfg.ASN))
	return &fake{cfg: cfg, record: record}, nil
}

func (f *fake) Announce(v netip.Addr) error {
	if v == refusedVIP {
		return fmt.Errorf("fake: %s refused", v)
	}
	f.record("announce " + v.String())
	if v == hangVIP {
		time.Sleep(time.Hour) // not select{}: the runtime would see a deadlock and exit
	}
	return nil
}

func (f *fake) Withdraw(v netip.Addr) error { f.record("withdraw " + v.String()); return nil }

func (f *fake) Peers() []announce.PeerStatus {
	var out []announce.PeerStatus
	for _, p := range f.cfg.Peers {
		out = append(out, announce.PeerStatus{Address: p.Address, ASN: p.ASN, State: "established"})
	}
	return out
}

func (f *fake) Stop() { f.record("stop") }

// recorder collects what an in-process fake is told.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) add(s string) { r.mu.Lock(); r.lines = append(r.lines, s); r.mu.Unlock() }
func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}
