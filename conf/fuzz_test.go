package conf

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/hadirector/hadirector/ipvs"
)

func FuzzParse(f *testing.F) {
	f.Add(base)
	if b, err := os.ReadFile("../examples/hadirector-bgp.toml"); err == nil {
		f.Add(string(b))
	}
	if b, err := os.ReadFile("../examples/hadirector.toml"); err == nil {
		f.Add(string(b))
	}
	f.Add(base + "[instance.garp]\ncount = 3\nrefresh = \"2s\"\n")
	f.Add("[[instance]]\nvips = [\n \"192.0.2.1\", # c\n]\n[instance.garp]\n")
	f.Add("x = 'a#b' # c\n[[a.b]]\n[a.b.c]\n")
	f.Add(svcBase + "  [service.real.check]\n  type = \"http\"\n  path = \"/h\"\n[ipvs]\ntcp_timeout = \"900s\"\n")
	f.Add(base + "[[service]]\nfwmark = 7\npersistent = true\n[service.check]\ntype = \"exec\"\ncommand = [\"/bin/true\", \"{ip}\"]\n[[service.real]]\naddress = \"198.51.100.1:0\"\n")
	f.Add(base + "VRID = 5\nPriority = 3\n[instance.GARP]\ncount = 2\n")
	f.Add(base6 + "use_vmac = true\nna_router = [\"2001:db8::1\"]\nunicast_peers = [\"2001:db8::12\"]\n")
	f.Add(base + "garp.count = 3\n\"garp\".\"spacing\" = \"1s\"\ntrack_interface = [{interface = \"eth1\"}]\n")
	f.Add(bgpBase)
	f.Add(bgpBase + "[[bgp.peer]]\naddress = \"2001:db8::1\"\nasn = 1\npassword = \"x\"\nbfd = true\nbfd_min_tx = \"50ms\"\n[bgp]\ncommunities = [\"1:2\"]\n")
	f.Add(bgpBase + "min_up = 0\n[[instance.track_script]]\ncommand = [\"/bin/true\"]\n[sync]\ninterface = \"eth1\"\n[ipvs]\nsloppy_tcp = true\n")
	f.Fuzz(func(t *testing.T, text string) {
		// unknownKeys skips Undecoded when allKnown: that must never
		// hide an undecoded key.
		var raw rawFile
		if md, err := toml.Decode(text, &raw); err == nil && allKnown(md) {
			if u := md.Undecoded(); len(u) != 0 {
				t.Fatalf("every key known, yet %v undecoded", u)
			}
		}
		c, err := Parse("f.toml", []byte(text))
		if err != nil {
			if c != nil {
				t.Fatal("Config returned with an error")
			}
			if !strings.HasPrefix(err.Error(), "f.toml:") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(c.Instances) == 0 && (c.BGP == nil || len(c.BGP.Instances) == 0) {
			t.Fatal("valid config without instances")
		}
		if b := c.BGP; b != nil {
			if b.ASN == 0 || !b.RouterID.Is4() || len(b.Peers) == 0 {
				t.Fatalf("invalid [bgp] accepted: %+v", b)
			}
			for _, p := range b.Peers {
				if !p.Address.IsValid() || p.ASN == 0 || p.HoldTime < 3*time.Second {
					t.Fatalf("invalid peer accepted: %+v", p)
				}
			}
			for _, in := range b.Instances {
				if in.Name == "" || len(in.VIPs) == 0 || in.Interface == "" {
					t.Fatalf("invalid BGP instance accepted: %+v", in)
				}
			}
		}
		if _, err := ipvs.Normalize(c.IPVS.Services); err != nil {
			t.Fatalf("accepted services the kernel would refuse: %v", err)
		}
		for _, in := range c.Instances {
			if in.VRID == 0 || in.Priority == 0 || len(in.VIPs) == 0 || in.Name == "" || in.Interface == "" {
				t.Fatalf("invalid instance accepted: %+v", in)
			}
			if in.Version != 2 && in.Version != 3 || in.AdvertInterval <= 0 {
				t.Fatalf("bad version/interval accepted: %+v", in)
			}
		}
	})
}
