// Package convert turns a keepalived configuration, as package keepalived
// reads it, into hadirector's TOML, and says, per source line, every
// keyword it could not carry over and why.
package convert

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// Note is one keyword not carried over, or carried with another meaning.
type Note struct {
	Pos     keepalived.Pos
	Keyword string
	Msg     string
	// Lost is set when the converted director would behave differently in
	// a way that matters: a VIP, a priority, an instance or a service
	// lost or changed.
	Lost bool
}

func (n Note) String() string {
	kind := "note"
	if n.Lost {
		kind = "LOST"
	}
	return fmt.Sprintf("%s: %s: %s: %s", n.Pos, kind, n.Keyword, n.Msg)
}

// Result is a conversion: the TOML text and the notes, in file order.
type Result struct {
	TOML  []byte
	Notes []Note
}

// Lost reports whether any note is one that matters.
func (r Result) Lost() bool {
	for _, n := range r.Notes {
		if n.Lost {
			return true
		}
	}
	return false
}

// converter holds what one conversion has seen so far.
type converter struct {
	source  string
	notes   []Note
	global  *table
	ipvs    *table
	sync    *table
	inst    []*table
	groups  []*table
	svcs    []*table
	version int // global vrrp_version; keepalived's default is 2
	garp    garpDefaults
	scripts map[string]*keepalived.Node
	files   map[string]*keepalived.Node
	vsgs    map[string]*keepalived.Node
	names   map[string]bool // the converted instances
	syncAt  keepalived.Pos
	syncIn  string // the instance named by lvs_sync_daemon
}

// Convert converts the nodes of a configuration read from source (named
// in the TOML's header comment).
func Convert(source string, nodes []*keepalived.Node) Result {
	c := &converter{
		source:  source,
		global:  &table{header: "[global]"},
		ipvs:    &table{header: "[ipvs]"},
		version: 2,
		garp:    keepalivedGARP,
		scripts: map[string]*keepalived.Node{},
		files:   map[string]*keepalived.Node{},
		vsgs:    map[string]*keepalived.Node{},
		names:   map[string]bool{},
	}
	// Definitions first: an instance may name a script defined after it.
	for _, n := range nodes {
		switch n.Name {
		case "vrrp_script":
			c.define(c.scripts, n)
		case "vrrp_track_file", "track_file":
			c.define(c.files, n)
		case "virtual_server_group":
			c.define(c.vsgs, n)
		case "global_defs":
			c.globalDefs(n)
		}
	}
	for _, n := range nodes {
		switch n.Name {
		case "vrrp_script", "vrrp_track_file", "track_file", "virtual_server_group", "global_defs":
		case "vrrp_instance":
			c.instance(n)
		case "vrrp_sync_group":
			c.syncGroup(n)
		case "virtual_server":
			c.virtualServer(n)
		case "net_namespace", "net_namespace_ipvs", "instance", "use_pid_dir", "child_wait_time", "linkbeat_use_polling", "namespace_with_ipsets":
			c.skip(n, "a keepalived process setting; hadirector runs where it is started (ip netns exec for a namespace)", false)
		case "static_ipaddress", "static_routes", "static_rules":
			c.skip(n, "static addresses, routes and rules are the system's job (ip, systemd-networkd); hadirector does not set them", true)
		case "vrrp_track_process", "track_process", "bfd_instance", "linkbeat_interfaces", "track_group":
			c.skip(n, "not supported by hadirector", true)
		default:
			c.skip(n, "not a keepalived keyword hadirector knows", false)
		}
	}
	c.finishSync()
	sort.SliceStable(c.notes, func(i, j int) bool {
		a, b := c.notes[i].Pos, c.notes[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return Result{TOML: []byte(c.render()), Notes: c.notes}
}

func (c *converter) define(m map[string]*keepalived.Node, n *keepalived.Node) {
	if len(n.Args) != 1 || !n.Block {
		c.skip(n, "needs one name and a block", false)
		return
	}
	m[n.Args[0]] = n
}

// skip notes a keyword that is not carried over.
func (c *converter) skip(n *keepalived.Node, why string, lost bool) {
	c.notes = append(c.notes, Note{Pos: n.Pos, Keyword: n.Name, Msg: "not carried: " + why, Lost: lost})
}

// changed notes a keyword carried with another meaning.
func (c *converter) changed(n *keepalived.Node, lost bool, format string, args ...any) {
	c.notes = append(c.notes, Note{Pos: n.Pos, Keyword: n.Name, Msg: fmt.Sprintf(format, args...), Lost: lost})
}

// arg returns the node's i-th argument, noting its absence.
func (c *converter) arg(n *keepalived.Node, i int) (string, bool) {
	if i < len(n.Args) {
		return n.Args[i], true
	}
	c.changed(n, false, "not carried: argument %d is missing", i+1)
	return "", false
}

func (c *converter) render() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# hadirector configuration converted from keepalived's %s\n", c.source)
	b.WriteString("# by hadirector convert. Keywords not carried over, or carried with\n")
	b.WriteString("# another meaning, are listed at the end. Check: hadirector check -c FILE\n")
	c.global.write(&b)
	for _, t := range c.inst {
		t.write(&b)
	}
	for _, t := range c.groups {
		t.write(&b)
	}
	if len(c.ipvs.lines) > 0 {
		c.ipvs.write(&b)
	}
	for _, t := range c.svcs {
		t.write(&b)
	}
	if c.sync != nil {
		c.sync.write(&b)
	}
	if len(c.notes) > 0 {
		b.WriteString("\n# Not carried over, or carried with another meaning (LOST: the\n# converted director behaves differently in a way that matters):\n")
		for _, n := range c.notes {
			b.WriteString("# " + oneLine(n.String()) + "\n")
		}
	}
	return b.String()
}
