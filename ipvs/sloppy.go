package ipvs

import (
	"fmt"
	"os"
	"path/filepath"
)

// SysctlDir is where the kernel's IPVS settings are (net.ipv4.vs.*).
const SysctlDir = "/proc/sys/net/ipv4/vs"

// SetSloppy writes net.ipv4.vs.sloppy_tcp and sloppy_sctp under dir; nil
// leaves one as it is. Sloppy, IPVS creates a connection entry from any
// packet of a connection, not only from its first (a TCP SYN, an SCTP
// INIT): a director that the routers' ECMP hands the middle of a
// connection it has not seen then forwards it, to the real server its
// scheduler picks (with mh, the one every director picks).
func SetSloppy(dir string, tcp, sctp *bool) error {
	for _, s := range []struct {
		name string
		v    *bool
	}{{"sloppy_tcp", tcp}, {"sloppy_sctp", sctp}} {
		if s.v == nil {
			continue
		}
		val := "0\n"
		if *s.v {
			val = "1\n"
		}
		p := filepath.Join(dir, s.name)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0) // never created: the kernel's or none
		if err == nil {
			_, err = f.WriteString(val)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("ipvs: set %s: %w", s.name, err)
		}
	}
	return nil
}
