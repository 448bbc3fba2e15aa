package ipvsfamily

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/vishvananda/netlink"
)

// system is the running kernel: generic netlink's controller and the
// system's modprobe.
type system struct{}

func (system) family() (uint16, error) {
	f, err := netlink.GenlFamilyGet("IPVS")
	if err != nil {
		return 0, err
	}
	return f.ID, nil
}

func (system) modprobe() error {
	path, err := modprobePath()
	if err != nil {
		return err
	}
	out, err := exec.Command(path, "ip_vs").CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return errors.New(msg)
		}
		return fmt.Errorf("modprobe: %w", err)
	}
	return nil
}

// modprobePath finds modprobe on PATH, or in the sbin directories a
// daemon's PATH may lack.
func modprobePath() (string, error) {
	if p, err := exec.LookPath("modprobe"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/modprobe", "/sbin/modprobe"} {
		if _, err := exec.LookPath(p); err == nil {
			return p, nil
		}
	}
	return "", errNoModprobe
}
