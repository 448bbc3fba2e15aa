package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
)

// impl starts one director of the pair under test.
type impl interface {
	name() string
	start(l *netlab.Lab, dir, host string, priority int) (*netlab.Proc, error)
	// canStepDown is whether the implementation has a planned handover
	// (keepalived has none).
	canStepDown() bool
	// stepDown asks host's director for a planned handover.
	stepDown(l *netlab.Lab, dir, host string) error
}

type hadirector struct {
	bin      string
	env      []string // the systemd unit's environment
	version  int
	interval string // Go duration
}

func (h hadirector) name() string { return "hadirector" }

func (h hadirector) start(l *netlab.Lab, dir, host string, priority int) (*netlab.Proc, error) {
	conf := fmt.Sprintf(`[[instance]]
name = "vi51"
interface = "eth0"
vrid = 51
priority = %d
version = %d
advert_interval = %q
vips = ["%s"]
`, priority, h.version, h.interval, fam.vip)
	path := filepath.Join(dir, host+".toml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	args := append(append([]string{"env"}, h.env...), h.bin, "run", "-c", path, "-s", path+".sock", "--log-format", "json")
	return l.Start(host, nil, args...)
}

func (h hadirector) canStepDown() bool { return true }

func (h hadirector) stepDown(l *netlab.Lab, dir, host string) error {
	sock := filepath.Join(dir, host+".toml.sock")
	_, err := l.Exec(host, h.bin, "step-down", "-s", sock)
	return err
}

type keepalived struct {
	version  int
	interval string // seconds
}

func (k keepalived) name() string { return "keepalived" }

func (k keepalived) start(l *netlab.Lab, dir, host string, priority int) (*netlab.Proc, error) {
	return testlab.StartKeepalived(l, host, dir, testlab.KeepalivedInstance{
		Interface: "eth0", VRID: 51, Priority: priority, Version: k.version,
		AdvertInt: k.interval, VIPs: []string{fam.vip},
	})
}

func (k keepalived) canStepDown() bool { return false }

func (k keepalived) stepDown(*netlab.Lab, string, string) error {
	return fmt.Errorf("keepalived has no planned step-down")
}

// seconds renders a Go duration string as keepalived's advert_int.
func seconds(d string) string {
	d = strings.TrimSuffix(d, "s")
	if strings.HasSuffix(d, "m") { // "100m" of "100ms"
		ms, _ := strconv.Atoi(strings.TrimSuffix(d, "m"))
		return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
	}
	return d
}
