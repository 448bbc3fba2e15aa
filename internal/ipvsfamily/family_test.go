package ipvsfamily

import (
	"errors"
	"syscall"
	"testing"
)

// fakeKernel has the family once loaded; modprobe loads it unless it fails.
type fakeKernel struct {
	loaded      bool
	familyErr   error // returned by family instead of ENOENT when set
	probeErr    error
	probes      int
	loadOnProbe bool
}

func (k *fakeKernel) family() (uint16, error) {
	if k.familyErr != nil {
		return 0, k.familyErr
	}
	if !k.loaded {
		return 0, syscall.ENOENT
	}
	return 42, nil
}

func (k *fakeKernel) modprobe() error {
	k.probes++
	if k.probeErr != nil {
		return k.probeErr
	}
	k.loaded = k.loadOnProbe
	return nil
}

func TestLookupFamilyPresentRunsNoModprobe(t *testing.T) {
	k := &fakeKernel{loaded: true}
	id, err := lookup(k)
	if err != nil || id != 42 {
		t.Fatalf("lookup = %d, %v; want 42, nil", id, err)
	}
	if k.probes != 0 {
		t.Errorf("modprobe ran %d times for a loaded family", k.probes)
	}
}

func TestLookupLoadsIPVS(t *testing.T) {
	k := &fakeKernel{loadOnProbe: true}
	id, err := lookup(k)
	if err != nil || id != 42 {
		t.Fatalf("lookup = %d, %v; want 42, nil", id, err)
	}
	if k.probes != 1 {
		t.Errorf("modprobe ran %d times, want 1", k.probes)
	}
}

func TestLookupNoIPVSMessages(t *testing.T) {
	for _, tc := range []struct {
		name string
		k    *fakeKernel
		want string
	}{
		{"modprobe fails", &fakeKernel{probeErr: errors.New("modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.18\n")},
			"this kernel has no IPVS (modprobe ip_vs failed: modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.18); load the ip_vs module or use a kernel built with CONFIG_IP_VS"},
		{"no modprobe", &fakeKernel{probeErr: errNoModprobe},
			"this kernel has no IPVS (no modprobe to load ip_vs); load the ip_vs module or use a kernel built with CONFIG_IP_VS"},
		{"modprobe loads nothing", &fakeKernel{},
			"this kernel has no IPVS (modprobe ip_vs succeeded, yet there is no IPVS netlink family); load the ip_vs module or use a kernel built with CONFIG_IP_VS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := lookup(tc.k)
			if err == nil {
				t.Fatal("lookup succeeded on a kernel without IPVS")
			}
			if !errors.Is(err, ErrNoIPVS) {
				t.Errorf("error %v does not wrap ErrNoIPVS", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n %q\nwant\n %q", err, tc.want)
			}
			if tc.k.probes != 1 {
				t.Errorf("modprobe ran %d times, want 1", tc.k.probes)
			}
		})
	}
}

// A netlink failure other than a missing family is not called "no IPVS",
// and loading a module cannot help it.
func TestLookupOtherNetlinkError(t *testing.T) {
	k := &fakeKernel{familyErr: syscall.EPERM}
	_, err := lookup(k)
	if err == nil || errors.Is(err, ErrNoIPVS) || !errors.Is(err, syscall.EPERM) {
		t.Fatalf("lookup = %v; want an EPERM error that is not ErrNoIPVS", err)
	}
	if k.probes != 0 {
		t.Errorf("modprobe ran %d times", k.probes)
	}
}
