package garp

import "testing"

// Dial's errors name the interface once: lo has no Ethernet address, and a
// missing interface is named by Interface alone.
func TestDialErrorsNameTheInterfaceOnce(t *testing.T) {
	for _, tc := range []struct{ ifname, want string }{
		{"lo", "gratuitous ARP on lo: no Ethernet hardware address"},
		{"hd-nosuch0", "gratuitous ARP: interface hd-nosuch0: Link not found"},
	} {
		c, err := Dial(tc.ifname)
		if err == nil {
			c.Close()
			t.Fatalf("Dial(%q) succeeded", tc.ifname)
		}
		if err.Error() != tc.want {
			t.Errorf("Dial(%q): %q, want %q", tc.ifname, err, tc.want)
		}
	}
}
