package director

import (
	"errors"
	"fmt"

	"github.com/hadirector/hadirector/internal/ipvsfamily"
)

// kernelFault is the start-up error of a file that configures part (IPVS,
// connection sync) on a kernel that cannot do it: the file and the part,
// then the kernel's cause, which says the rest.
func kernelFault(file, part string, err error) error {
	if errors.Is(err, ipvsfamily.ErrNoIPVS) {
		return fmt.Errorf("%s configures %s, but %w", file, part, err)
	}
	return fmt.Errorf("%s configures %s: %w", file, part, err)
}
