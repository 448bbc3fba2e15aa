package keepalived

import (
	"strings"
	"testing"
)

// render is the parsed tree of text in keepalived syntax, or the error.
func render(t *testing.T, text string, o Options) string {
	t.Helper()
	if o.FS == nil {
		o.FS = MapFS{}
	}
	nodes, err := Parse("/etc/keepalived/keepalived.conf", text, o)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(n.String())
	}
	return b.String()
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, in, want string
		id             string
	}{
		{"blocks", "global_defs {\n router_id r1\n}\nvrrp_instance VI_1 {\n virtual_ipaddress {\n  192.0.2.1/32 dev eth0\n }\n}\n",
			"global_defs {\n  router_id r1\n}\nvrrp_instance VI_1 {\n  virtual_ipaddress {\n    192.0.2.1/32 dev eth0\n  }\n}\n", ""},
		{"comments", "a 1 # c\n! whole line\nb 2 ! c\nc \"x # y\"\n", "a 1\nb 2\nc x # y\n", ""},
		{"quotes join", "s abcd\" efg h jkl \"mnop\n", "s abcd efg h jkl mnop\n", ""},
		{"quotes split", "s abcd \"efg h jkl\" mnop\n", "s abcd efg h jkl mnop\n", ""},
		{"escapes", `s "a\tb\x41\101\"q\\"` + "\n", "s a\tbAA\"q\\\n", ""},
		{"brace next line", "vrrp_instance X\n{\n a 1\n}\n", "vrrp_instance X {\n  a 1\n}\n", ""},
		{"one-line block", "v { 192.0.2.1 }\nw { }\n", "v {\n  192.0.2.1\n}\nw {\n}\n", ""},
		{"quoted brace", "s \"{\"\n", "s {\n", ""},
		{"unclosed", "a {\n b\n", "error: /etc/keepalived/keepalived.conf:1: block a is not closed", ""},
		{"extra close", "a\n}\n", "error: /etc/keepalived/keepalived.conf:2: } closes no block", ""},
		{"define and use", "$P=120\npriority $P\nx ${P}0\n", "priority 120\nx 1200\n", ""},
		{"undefined stays", "x $NOPE ${NOPE}\n", "x $NOPE ${NOPE}\n", ""},
		{"late binding", "$A=10.2.${B}\n$B=0\n${A}.100/32\n$B=10\n${A}.100/32\n", "10.2.0.100/32\n10.2.10.100/32\n", ""},
		{"dollar not followed by space", "x $Pz\n$P=1\ny $Pz $P\n", "x $Pz\ny $Pz 1\n", ""},
		{"conditional match", "@main a 1\n@backup a 2\n@^main b 3\n", "a 1\n", "main"},
		{"conditional other", "@main a 1\n@backup a 2\n@^main b 3\n", "a 2\nb 3\n", "backup"},
		{"conditional none", "@main a 1\n@^main b 3\n", "b 3\n", ""},
		{"conditional definition", "@main $P=240\n@backup $P=200\npriority $P\n", "priority 200\n", "backup"},
		{"definition holding a condition", "$IF=@main\n$IF priority 240\n", "priority 240\n", "main"},
		{"definition holding a condition, other", "$IF=@main\n$IF priority 240\n", "", "x"},
		{"multiline", "$I= \\\nvi X${N} { \\\n @hi p 130 \\\n @lo p 120 \\\n}\n$N=0\n$I\n$N=1\n$I\n",
			"vi X0 {\n  p 130\n}\nvi X1 {\n  p 130\n}\n", "hi"},
		{"nested multiline", "$R= \\\nr 192.0.2.${RN} 80\n$V= \\\nv { \\\n $RN=1 \\\n $R \\\n $RN=2 \\\n $R \\\n}\n$V\n",
			"v {\n  r 192.0.2.1 80\n  r 192.0.2.2 80\n}\n", ""},
		{"seq", "~SEQ(S, 0, 3) ip 10.0.${S}.1\n", "ip 10.0.0.1\nip 10.0.1.1\nip 10.0.2.1\nip 10.0.3.1\n", ""},
		{"seq end only", "~SEQ(S, 3) n $S\n", "n 1\nn 2\nn 3\n", ""},
		{"seq step", "~SEQ(S, 10, -5, 0) n ${S}\n", "n 10\nn 5\nn 0\n", ""},
		{"seqx", "~SEQx(S, 0x90, 0x10, 0xc0) a fe80::${S}\n", "a fe80::90\na fe80::a0\na fe80::b0\na fe80::c0\n", ""},
		{"seq nested", "~SEQ(A, 1, 2) ~SEQ(B, 1, 2) n ${A}.${B}\n", "n 1.1\nn 1.2\nn 2.1\nn 2.2\n", ""},
		{"lst", "~LST({IP, IP1}, {10,1},{20,4}) 192.168.${IP}.${IP1}\n", "192.168.10.1\n192.168.20.4\n", ""},
		{"lst plain", "~LST(IP, 1, 2) x ${IP}\n", "x 1\nx 2\n", ""},
		{"seq bad", "~SEQ(S, a) x\n", "error: /etc/keepalived/keepalived.conf:1: ~SEQ(S, a): \"a\" is not an integer", ""},
		{"self reference", "$A=$A $A\nx $A\n", "error: /etc/keepalived/keepalived.conf:2: line too long after substitution", ""},
		{"hash and bang", "x a${_HASH}b${_BANG}c\n", "x a#b!c\n", ""},
		{"pwd", "x ${_PWD}\n", "x /etc/keepalived\n", ""},
		{"crlf", "a {\r\n b 1\r\n}\r\n", "a {\n  b 1\n}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := render(t, c.in, Options{ConfigID: c.id}); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestInclude(t *testing.T) {
	fs := MapFS{
		"/etc/keepalived/conf.d/10-a.conf": "a 1\n",
		"/etc/keepalived/conf.d/20-b.conf": "b 2\ninclude ../sub/c.conf\n",
		"/etc/keepalived/sub/c.conf":       "c ${_PWD}\n",
		"/etc/keepalived/x.conf":           "x {\n",
		"/etc/keepalived/y.conf":           "}\n",
		"/etc/keepalived/loop.conf":        "include loop.conf\n",
		"/opt/one.conf":                    "one\n",
		"/opt/two.conf":                    "two\n",
	}
	cases := []struct{ name, in, want string }{
		{"glob sorted, relative to the including file", "include conf.d/*.conf\nz\n", "a 1\nb 2\nc /etc/keepalived/sub\nz\n"},
		{"block across files", "include x.conf\n in 1\ninclude y.conf\n", "x {\n  in 1\n}\n"},
		{"braces", "include /opt/{two,one}.conf\n", "two\none\n"},
		{"missing is no error", "include none.conf\nz\n", "z\n"},
		{"includea missing is", "includea none*.conf\n", "error: /etc/keepalived/keepalived.conf:1: includea \"/etc/keepalived/none*.conf\" matches no file"},
		{"loop", "include loop.conf\n", "error: /etc/keepalived/loop.conf:1: includes nested more than 32 deep (a loop?)"},
		{"quoted name", "include \"/opt/one.conf\"\n", "one\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := render(t, c.in, Options{FS: fs}); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	fs := MapFS{"/k/inc.conf": "\n\ninner 1\n"}
	nodes, err := Parse("/k/main.conf", "a {\n  b\n  include inc.conf\n}\n$M= \\\nm1 \\\nm2\n\n$M\n", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	var walk func([]*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			got = append(got, n.Name+"@"+n.Pos.String())
			walk(n.Children)
		}
	}
	walk(nodes)
	want := "a@/k/main.conf:1 b@/k/main.conf:2 inner@/k/inc.conf:3 m1@/k/main.conf:9 m2@/k/main.conf:9"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestExpansionBounded(t *testing.T) {
	defer func(n int) { maxLines = n }(maxLines)
	maxLines = 5000
	_, err := Parse("f", "~SEQ(A, 1, 1000) ~SEQ(B, 1, 1000) ~SEQ(C, 1, 1000) x\n", Options{FS: MapFS{}})
	if err == nil || !strings.Contains(err.Error(), "lines after expansion") {
		t.Fatalf("got %v, want the expansion limit", err)
	}
}
