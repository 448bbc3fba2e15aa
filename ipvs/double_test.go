package ipvs

import (
	"net"

	"github.com/hadirector/hadirector/ipvs/ipvstest"
	"github.com/moby/ipvs"
)

var _ Kernel = (*ipvstest.Kernel)(nil)

// newMemKernel returns the in-memory double of the kernel's table with the
// given schedulers loaded; none given means every one of Schedulers.
func newMemKernel(schedulers ...Scheduler) *ipvstest.Kernel {
	if len(schedulers) == 0 {
		schedulers = Schedulers
	}
	names := make([]string, len(schedulers))
	for i, s := range schedulers {
		names[i] = string(s)
	}
	return ipvstest.NewKernel(names...)
}

func mobyDest(last byte, port uint16, weight int) *ipvs.Destination {
	return &ipvs.Destination{Address: net.IP{198, 51, 100, last}, Port: port, Weight: weight,
		ConnectionFlags: ipvs.ConnectionFlagDirectRoute}
}
