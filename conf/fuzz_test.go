package conf

import (
	"os"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/hadirector/hadirector/ipvs"
)

func FuzzParse(f *testing.F) {
	f.Add(base)
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
		if len(c.Instances) == 0 {
			t.Fatal("valid config without instances")
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
