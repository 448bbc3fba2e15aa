package ipvsfamily

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// ErrNoIPVS is the error of a kernel without IPVS; Lookup's errors wrap it
// when the family is missing.
var ErrNoIPVS = errors.New("this kernel has no IPVS")

// fix is what the operator can do about a missing family.
const fix = "load the ip_vs module or use a kernel built with CONFIG_IP_VS"

// kernel is what Lookup needs of the system: the family's id, and a way
// to load ip_vs.
type kernel interface {
	// family returns the id of the IPVS family; syscall.ENOENT if the
	// kernel has none.
	family() (uint16, error)
	// modprobe loads ip_vs; errNoModprobe if there is no modprobe, else
	// its failure with its output.
	modprobe() error
}

// errNoModprobe says that the system has no modprobe to run.
var errNoModprobe = errors.New("no modprobe to load ip_vs")

// Lookup returns the id of the kernel's IPVS generic netlink family. If
// the kernel has none it runs modprobe ip_vs, once, and looks again.
func Lookup() (uint16, error) { return lookup(system{}) }

func lookup(k kernel) (uint16, error) {
	id, err := k.family()
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, syscall.ENOENT) {
		return 0, fmt.Errorf("looking up the IPVS netlink family: %w", err)
	}
	var why string
	switch err := k.modprobe(); {
	case errors.Is(err, errNoModprobe):
		why = err.Error()
	case err != nil:
		why = "modprobe ip_vs failed: " + oneLine(err.Error())
	default:
		if id, err := k.family(); err == nil {
			return id, nil
		} else if !errors.Is(err, syscall.ENOENT) {
			return 0, fmt.Errorf("looking up the IPVS netlink family after modprobe ip_vs: %w", err)
		}
		why = "modprobe ip_vs succeeded, yet there is no IPVS netlink family"
	}
	return 0, fmt.Errorf("%w (%s); %s", ErrNoIPVS, why, fix)
}

// oneLine joins a multi-line message (modprobe's output) into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
