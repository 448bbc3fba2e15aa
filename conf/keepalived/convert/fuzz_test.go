package convert

import (
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/hadirector/hadirector/conf/keepalived"
)

// FuzzConvert: whatever keepalived text parses, the conversion is TOML
// that decodes, and never panics.
func FuzzConvert(f *testing.F) {
	f.Add(vi(" version 3\n advert_int 0.1\n track_interface {\n  eth1 weight -10\n }\n"))
	f.Add("global_defs {\n lvs_sync_daemon eth0 VI_1 id 5\n lvs_timeouts tcp 900\n}\n" + vi(" authentication {\n  auth_type PASS\n  auth_pass \"a\\\"b\"\n }\n"))
	f.Add(vi("") + "virtual_server_group G {\n 192.0.2.1-3 80\n fwmark 4\n}\nvirtual_server group G {\n lb_kind DR\n persistence_timeout\n real_server 198.51.100.1 80 {\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n }\n}\n")
	f.Add(vi6("  2001:db8::10/64\n  fe80::1%eth0 dev eth0\n  192.0.2.1\n", " version 2\n unicast_src_ip 2001:db8::1\n unicast_peer {\n  2001:db8::2 min_ttl 64\n  192.0.2.2\n }\n virtual_ipaddress_excluded {\n  192.0.2.3\n }\n"))
	f.Add("vrrp_script s {\n script \"x 'a b'\"\n}\nvrrp_sync_group g {\n group { A B }\n}\n")
	f.Fuzz(func(t *testing.T, text string) {
		nodes, err := keepalived.Parse("/k.conf", text, keepalived.Options{FS: keepalived.MapFS{}})
		if err != nil {
			return
		}
		r := Convert("/k.conf", nodes)
		var v map[string]any
		if _, err := toml.Decode(string(r.TOML), &v); err != nil {
			t.Fatalf("not TOML: %v\n%s", err, r.TOML)
		}
	})
}
