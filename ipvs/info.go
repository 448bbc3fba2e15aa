package ipvs

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Info is the first line of ipvsadm -L: the kernel's IPVS version and the
// size of its connection hash table. moby/ipvs does not read it (no
// IPVS_CMD_GET_INFO); ReadInfo takes it from /proc/net/ip_vs.
type Info struct {
	Version string // as "1.2.1"
	Size    int
}

// DefaultInfo is what every Linux kernel since 2.6.28 reports with the
// ip_vs module's default conn_tab_bits of 12.
var DefaultInfo = Info{Version: "1.2.1", Size: 4096}

const infoPrefix = "IP Virtual Server version "

// ParseInfo parses "IP Virtual Server version 1.2.1 (size=4096)".
func ParseInfo(line string) (Info, error) {
	bad := func(why string) (Info, error) {
		return Info{}, fmt.Errorf("ipvs: info line %q: %s", line, why)
	}
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), infoPrefix)
	if !ok {
		return bad("no " + strings.TrimSpace(infoPrefix))
	}
	version, rest, ok := strings.Cut(rest, " (size=")
	if !ok {
		return bad("no size")
	}
	parts := strings.Split(version, ".")
	if len(parts) != 3 {
		return bad("version is not major.minor.patch")
	}
	for _, p := range parts {
		if n, err := strconv.ParseUint(p, 10, 8); err != nil || strconv.FormatUint(n, 10) != p {
			return bad("version is not major.minor.patch")
		}
	}
	size, ok := strings.CutSuffix(rest, ")")
	if !ok {
		return bad("size not closed")
	}
	n, err := strconv.Atoi(size)
	if err != nil || n < 0 || strconv.Itoa(n) != size {
		return bad("size is not a number")
	}
	return Info{Version: version, Size: n}, nil
}

// ReadInfo reads the kernel's Info from the first line of /proc/net/ip_vs.
func ReadInfo() (Info, error) {
	f, err := os.Open("/proc/net/ip_vs")
	if err != nil {
		return Info{}, fmt.Errorf("ipvs: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return Info{}, fmt.Errorf("ipvs: read /proc/net/ip_vs: %w", err)
		}
		return Info{}, fmt.Errorf("ipvs: /proc/net/ip_vs is empty")
	}
	return ParseInfo(sc.Text())
}
