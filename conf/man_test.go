package conf

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The tests below hold hadirector.toml(5) to the parser: every key it
// takes is documented under its table, every "Default:" given as a value
// is the default, and every "Range:" is the range.

var manPage = filepath.Join("..", "dist", "man", "hadirector.toml.5")

// manKey is one key of the page: its table, name, and the default and
// range it states (empty when stated only in words).
type manKey struct {
	table, key string
	def        string // a TOML value
	lo, hi     string // integers
}

var (
	manTables  = regexp.MustCompile(`\[\[?([a-z_.]+)\]\]?`)
	manDefault = regexp.MustCompile(`Default: \\fB(.*?)\\fR`)
	manRange   = regexp.MustCompile(`Range: \\fB(-?[0-9]+)\\fR to \\fB(-?[0-9]+)\\fR`)
)

// readManKeys parses the KEYS section: .SS names the tables (one or
// more), .TP's next line (.B key) a key, its paragraph the rest.
func readManKeys(t *testing.T) []manKey {
	t.Helper()
	b, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatal(err)
	}
	var keys []manKey
	var tables []string
	var cur []int // indices in keys of the key being described, one per table
	inKeys := false
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, ".SH "):
			inKeys, tables, cur = strings.Contains(l, "KEYS"), nil, nil
		case !inKeys:
		case strings.HasPrefix(l, ".SS "):
			tables, cur = nil, nil
			for _, m := range manTables.FindAllStringSubmatch(l, -1) {
				tables = append(tables, m[1])
			}
			if len(tables) == 0 {
				t.Fatalf("%s:%d: %q names no table", manPage, i+1, l)
			}
		case l == ".TP":
			name, ok := "", false
			if i+1 < len(lines) {
				name, ok = strings.CutPrefix(lines[i+1], ".B ")
			}
			if !ok || tables == nil {
				t.Fatalf("%s:%d: a .TP in KEYS not followed by .B KEY under a table", manPage, i+1)
			}
			cur = nil
			for _, tb := range tables {
				cur = append(cur, len(keys))
				keys = append(keys, manKey{table: tb, key: name})
			}
		case l == ".PP":
			cur = nil
		default:
			text := strings.ReplaceAll(l, `\-`, "-")
			for _, k := range cur {
				if m := manDefault.FindStringSubmatch(text); m != nil {
					keys[k].def = m[1]
				}
				if m := manRange.FindStringSubmatch(text); m != nil {
					keys[k].lo, keys[k].hi = m[1], m[2]
				}
			}
		}
	}
	return keys
}

// notTaken are keys of the shared track table that a kind refuses; the
// page documents each kind with only its own keys. TestManKeys checks
// that each is refused indeed.
var notTaken = map[string]string{
	"instance.track_interface.command": `["/bin/true"]`, "instance.track_interface.path": `"/run/x"`,
	"instance.track_interface.interval": `"1s"`, "instance.track_interface.timeout": `"1s"`,
	"instance.track_interface.rise": "1", "instance.track_interface.fall": "1",
	"instance.track_script.interface": `"eth1"`, "instance.track_script.path": `"/run/x"`,
	"instance.track_file.interface": `"eth1"`, "instance.track_file.command": `["/bin/true"]`,
	"instance.track_file.timeout": `"1s"`, "instance.track_file.rise": "1", "instance.track_file.fall": "1",
}

// needs are lines a key's table needs for the key to be set at all.
var needs = map[string]string{
	"global.startup_wait_max":       "startup_wait_traffic = true\n",
	"instance.unicast_peer.max_ttl": "min_ttl = 1\n",
	"service.persistence_netmask":   "persistent = true\n",
}

const manBGPInstance = "[[instance]]\nname = \"b\"\nmode = \"bgp\"\nvips = [\"203.0.113.10\"]\n"

const manInstance = "[[instance]]\nname = \"a\"\ninterface = \"eth0\"\nvrid = 1\npriority = 100\nvips = [\"192.0.2.1\"]\n"

// fileFor is a valid file with the smallest table of its kind, with lines
// in it.
func fileFor(table, lines string) string {
	const (
		svc  = "[[service]]\naddress = \"192.0.2.1:80\"\n"
		real = "[[service.real]]\naddress = \"198.51.100.1\"\n"
	)
	switch table {
	case "global":
		return "[global]\n" + lines + manInstance
	case "instance":
		return without(manInstance, lines) + lines
	case "instance.garp":
		return manInstance + "[instance.garp]\n" + lines
	case "instance.unicast_peer":
		return manInstance + "[[instance.unicast_peer]]\naddress = \"192.0.2.9\"\n" + lines
	case "instance.track_interface":
		return manInstance + "[[instance.track_interface]]\ninterface = \"eth1\"\n" + lines
	case "instance.track_script":
		return manInstance + "[[instance.track_script]]\ncommand = [\"/bin/true\"]\n" + lines
	case "instance.track_file":
		return manInstance + "[[instance.track_file]]\npath = \"/run/x\"\n" + lines
	case "sync_group":
		return manInstance + strings.NewReplacer(`"a"`, `"b"`, "vrid = 1", "vrid = 2", "192.0.2.1", "192.0.2.2").Replace(manInstance) +
			"[[sync_group]]\nname = \"g\"\ninstances = [\"a\", \"b\"]\n" + lines
	case "ipvs":
		return manInstance + "[ipvs]\n" + lines
	case "service":
		return manInstance + svc + lines + real
	case "service.real":
		return manInstance + svc + real + lines
	case "service.check":
		return manInstance + svc + real + "[service.check]\ntype = \"http\"\n" + lines
	case "service.real.check":
		return manInstance + svc + real + "[service.real.check]\ntype = \"http\"\n" + lines
	case "sync":
		return manInstance + "[sync]\ninstance = \"a\"\ninterface = \"eth0\"\n" + lines
	case "bgp":
		return "[bgp]\n" + without("asn = 65001\nrouter_id = \"192.0.2.11\"\n", lines) + lines +
			"[[bgp.peer]]\naddress = \"192.0.2.1\"\nasn = 64512\n" + manBGPInstance
	case "bgp.peer":
		return "[bgp]\nasn = 65001\nrouter_id = \"192.0.2.11\"\n[[bgp.peer]]\n" +
			without("address = \"192.0.2.1\"\nasn = 64512\n", lines) + lines + manBGPInstance
	}
	return ""
}

// without drops the lines of base that set a key lines sets.
func without(base, lines string) string {
	set := map[string]bool{}
	for _, l := range strings.Split(lines, "\n") {
		if k, _, ok := strings.Cut(l, " = "); ok {
			set[k] = true
		}
	}
	var out []string
	for _, l := range strings.SplitAfter(base, "\n") {
		if k, _, ok := strings.Cut(l, " = "); !ok || !set[k] {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// tables lists every table of the tree with its value keys, by dotted
// path.
func tables(kt keyTree, prefix string, out map[string][]string) {
	for k, sub := range kt {
		if sub == nil {
			out[prefix] = append(out[prefix], k)
			continue
		}
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if _, ok := out[p]; !ok {
			out[p] = nil
		}
		tables(sub, p, out)
	}
}

// TestManKeys fails when a key is added, renamed or removed without
// hadirector.toml(5) following.
func TestManKeys(t *testing.T) {
	code := map[string][]string{}
	tables(known(), "", code)
	delete(code, "") // the top level holds tables only
	doc := map[string]map[string]bool{}
	for _, k := range readManKeys(t) {
		if doc[k.table] == nil {
			doc[k.table] = map[string]bool{}
		}
		if doc[k.table][k.key] {
			t.Errorf("hadirector.toml(5): [%s] %s documented twice", k.table, k.key)
		}
		doc[k.table][k.key] = true
	}
	var names []string
	for tb := range code {
		names = append(names, tb)
	}
	sort.Strings(names)
	for _, tb := range names {
		if doc[tb] == nil {
			t.Errorf("hadirector.toml(5) has no section for the table [%s]", tb)
			continue
		}
		for _, k := range code[tb] {
			full := tb + "." + k
			if v, ok := notTaken[full]; ok {
				if doc[tb][k] {
					t.Errorf("hadirector.toml(5) documents %s, which notTaken says it refuses", full)
				}
				if _, err := Parse("f.toml", []byte(fileFor(tb, k+" = "+v+"\n"))); err == nil || !strings.Contains(err.Error(), "not a key of") {
					t.Errorf("%s: taken (%v): document it and drop it from notTaken", full, err)
				}
				continue
			}
			if !doc[tb][k] {
				t.Errorf("hadirector.toml(5) does not document %s", full)
			}
		}
	}
	for tb, ks := range doc {
		if _, ok := code[tb]; !ok {
			t.Errorf("hadirector.toml(5) documents the table [%s], which the parser does not take", tb)
			continue
		}
		for k := range ks {
			if !slices.Contains(code[tb], k) {
				t.Errorf("hadirector.toml(5) documents %s.%s, which the parser does not take", tb, k)
			}
		}
	}
	if len(names) < 14 {
		t.Errorf("only %d tables: %q", len(names), names)
	}
}

func parseFor(t *testing.T, table, lines string) (*Config, error) {
	t.Helper()
	text := fileFor(table, lines)
	if text == "" {
		t.Fatalf("no file for the table [%s]: add it to fileFor", table)
	}
	return Parse("f.toml", []byte(text))
}

// TestManDefaults: a file that sets a key to its documented default reads
// as the file without it.
func TestManDefaults(t *testing.T) {
	n := 0
	for _, k := range readManKeys(t) {
		if k.def == "" {
			continue
		}
		n++
		full := k.table + "." + k.key
		base, err := parseFor(t, k.table, needs[full])
		if err != nil {
			t.Fatalf("%s: the file without it: %v", full, err)
		}
		set, err := parseFor(t, k.table, needs[full]+k.key+" = "+k.def+"\n")
		if err != nil {
			t.Errorf("%s = %s (the documented default): %v", full, k.def, err)
			continue
		}
		if !reflect.DeepEqual(base, set) {
			t.Errorf("%s = %s, documented as the default, reads otherwise than leaving it out", full, k.def)
		}
	}
	if n < 30 {
		t.Errorf("only %d documented defaults checked", n)
	}
}

// TestManRanges: the bounds of each documented range are taken, the
// integers beyond them refused, naming the key.
func TestManRanges(t *testing.T) {
	n := 0
	for _, k := range readManKeys(t) {
		if k.lo == "" {
			continue
		}
		n++
		full := k.table + "." + k.key
		lo, _ := strconv.ParseInt(k.lo, 10, 64)
		hi, _ := strconv.ParseInt(k.hi, 10, 64)
		for _, c := range []struct {
			v  int64
			ok bool
		}{{lo, true}, {hi, true}, {lo - 1, false}, {hi + 1, false}} {
			_, err := parseFor(t, k.table, needs[full]+fmt.Sprintf("%s = %d\n", k.key, c.v))
			switch {
			case c.ok && err != nil:
				t.Errorf("%s = %d, in the documented range %d..%d: %v", full, c.v, lo, hi, err)
			case !c.ok && err == nil:
				t.Errorf("%s = %d, outside the documented range %d..%d, is taken", full, c.v, lo, hi)
			case !c.ok && !strings.Contains(err.Error(), k.key):
				t.Errorf("%s = %d: the error does not name the key: %v", full, c.v, err)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d documented ranges checked", n)
	}
}
