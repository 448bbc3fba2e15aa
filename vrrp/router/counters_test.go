package router

import (
	"sync"
	"testing"

	"github.com/hadirector/hadirector/vrrp"
)

func TestCountersDrops(t *testing.T) {
	var c Counters
	if n := c.Dropped(vrrp.ReasonTTL); n != 0 {
		t.Fatalf("Dropped before any drop = %d", n)
	}
	if m := c.Drops(); len(m) != 0 {
		t.Fatalf("Drops before any drop = %v", m)
	}
	// The counters are made at the first drop, which may race with others.
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 100; k++ {
				c.Drop(vrrp.ReasonTTL)
			}
		}()
	}
	wg.Wait()
	c.DropN(vrrp.NumReasons+3, 2) // unknown reasons count under 0
	if n := c.Dropped(vrrp.ReasonTTL); n != 800 {
		t.Errorf("Dropped(TTL) = %d, want 800", n)
	}
	if n := c.Dropped(0); n != 2 {
		t.Errorf("Dropped(0) = %d, want 2", n)
	}
	if n := c.Dropped(vrrp.NumReasons); n != 0 {
		t.Errorf("Dropped(out of range) = %d, want 0", n)
	}
	m := c.Drops()
	if len(m) != 2 || m[vrrp.ReasonTTL.String()] != 800 || m[vrrp.Reason(0).String()] != 2 {
		t.Errorf("Drops = %v", m)
	}
}
