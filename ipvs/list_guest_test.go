package ipvs

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

// listAll lists the whole table as `hadirector ipvs list -n` does: with
// the binary named by listBinEnv if set, else in this process.
func listAll(b *testing.B, k Kernel) {
	if bin := os.Getenv(listBinEnv); bin != "" {
		if out, err := exec.Command(bin, "ipvs", "list", "-n").CombinedOutput(); err != nil {
			b.Fatalf("hadirector ipvs list: %v: %.200s", err, out)
		}
		return
	}
	var n discardCount
	states, err := List(k)
	if err != nil {
		b.Fatal(err)
	}
	if err := Format(&n, states, ListOptions{}); err != nil {
		b.Fatal(err)
	}
}

// listServicesEnv sets BenchmarkInGuestList's number of services.
const listServicesEnv = "HADIRECTOR_LIST_SERVICES"

// BenchmarkInGuestList lists a 1,000 x 10 table (listServicesEnv services) (programmed by the
// reconciler) five times each, alternately: hadirector ipvs list -n, then
// ipvsadm -Ln; then, in this process, the table read through moby/ipvs
// and through the read path Netlink uses. Run it with -benchtime=1x.
func BenchmarkInGuestList(b *testing.B) {
	k := ipvsGuestKernel(b)
	const reals, rounds = 10, 5
	services := 1000
	if n, err := strconv.Atoi(os.Getenv(listServicesEnv)); err == nil && n > 0 {
		services = n
	}
	r := NewReconciler(k, nil)
	if _, err := r.Reconcile(benchTable(services, reals)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Reconcile(nil) })
	readAll := func(getServices func() ([]*ipvs.Service, error), dests func(*ipvs.Service) ([]*ipvs.Destination, error)) time.Duration {
		t := time.Now()
		ss, err := getServices()
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, s := range ss {
			ds, err := dests(s)
			if err != nil {
				b.Fatal(err)
			}
			n += len(ds)
		}
		if n != services*reals {
			b.Fatalf("read %d real servers, want %d", n, services*reals)
		}
		return time.Since(t)
	}
	h, err := ipvs.New("") // moby/ipvs's own handle, for its read path
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	var list, adm, moby, genl []time.Duration
	for round := range rounds {
		t := time.Now()
		listAll(b, k)
		list = append(list, time.Since(t))
		t = time.Now()
		ipvsGuestRun(b, "ipvsadm", "-Ln")
		adm = append(adm, time.Since(t))
		moby = append(moby, readAll(h.GetServices, h.GetDestinations))
		genl = append(genl, readAll(k.GetServices, k.GetDestinations))
		fmt.Printf("round %d: list %v, ipvsadm -Ln %v, read via moby/ipvs %v, read via genl %v\n",
			round+1, list[round], adm[round], moby[round], genl[round])
	}
	spread(b, "list", list)
	spread(b, "list-ipvsadm-Ln", adm)
	spread(b, "read-moby", moby)
	spread(b, "read-genl", genl)
}
