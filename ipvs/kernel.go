package ipvs

import (
	"github.com/moby/ipvs"
)

// Kernel is the seam where the kernel starts: exactly the github.com/moby/ipvs
// Handle operations this package uses. *ipvs.Handle satisfies it; Netlink,
// the package's own socket, is the real use, ipvstest.Kernel the in-memory
// double for tests (TestInGuestWriteErrorsMatchTheDouble checks it).
// An implementation reads what its arguments point to during the call and
// neither keeps nor changes them: the reconciler passes one service to
// the requests of all of its real servers.
//
// Flush is deliberately absent: the director never clears the table, since
// services it does not own must survive.
type Kernel interface {
	GetServices() ([]*ipvs.Service, error)
	NewService(*ipvs.Service) error
	UpdateService(*ipvs.Service) error
	DelService(*ipvs.Service) error
	GetDestinations(*ipvs.Service) ([]*ipvs.Destination, error)
	NewDestination(*ipvs.Service, *ipvs.Destination) error
	UpdateDestination(*ipvs.Service, *ipvs.Destination) error
	DelDestination(*ipvs.Service, *ipvs.Destination) error
	GetConfig() (*ipvs.Config, error)
	SetConfig(*ipvs.Config) error
}

var _ Kernel = (*ipvs.Handle)(nil)
