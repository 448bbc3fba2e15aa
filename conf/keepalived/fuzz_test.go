package keepalived

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"global_defs {\n router_id r1\n vrrp_version 3\n}\nvrrp_instance VI_1 {\n state MASTER\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 0.1\n virtual_ipaddress {\n  192.0.2.10/32 dev eth0 label eth0:1\n }\n}\n",
		"virtual_server 192.0.2.10 80 {\n lb_algo rr\n lb_kind DR\n persistence_timeout\n real_server 198.51.100.1 80 {\n  weight 2\n  HTTP_GET {\n   url {\n    path /h\n    status_code 200\n   }\n  }\n }\n}\n",
		"$P=1\n@main $P=2\n@^main x $P\n~SEQ(S, 0, 3) ip 10.0.${S}.1\n~LST({A,B},{1,2}) y ${A}${B}\n",
		"$I= \\\na { \\\n b ${N} \\\n}\n$N=1\n$I\n",
		"s \"a\\tb\\x41\\101\\c@\" 'x y' # c\n! c\nw {}\n{\n}\n",
		"include *.conf\nincludea {a,b}.conf\n",
	} {
		f.Add(s)
	}
	fs := MapFS{"/k/a.conf": "a {\n", "/k/b.conf": "}\ninclude a.conf\n"}
	f.Fuzz(func(t *testing.T, text string) {
		nodes, err := Parse("/k/main.conf", text, Options{FS: fs, ConfigID: "main"})
		if err != nil {
			if nodes != nil {
				t.Fatal("nodes with an error")
			}
			if !strings.HasPrefix(err.Error(), "/k/") {
				t.Fatalf("error names no file: %v", err)
			}
			return
		}
		var walk func([]*Node)
		walk = func(ns []*Node) {
			for _, n := range ns {
				if n.Pos.Line < 1 || n.Pos.File == "" {
					t.Fatalf("node %q has no position", n.Name)
				}
				if !n.Block && len(n.Children) > 0 {
					t.Fatalf("leaf %q has children", n.Name)
				}
				walk(n.Children)
			}
		}
		walk(nodes)
	})
}
