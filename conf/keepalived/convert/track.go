package convert

import (
	"strconv"
	"time"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// weight reads "weight N [reverse]" from words after a tracked name;
// reverse is not carried and loses the priority's behaviour.
func (c *converter) weight(k *keepalived.Node, words []string, def int64) (int64, bool) {
	w := def
	for i := 0; i < len(words); i++ {
		switch words[i] {
		case "weight":
			if i+1 >= len(words) {
				c.changed(k, false, "weight without a value")
				continue
			}
			v, err := strconv.ParseInt(words[i+1], 10, 64)
			if err != nil || v < -253 || v > 253 {
				c.changed(k, true, "not carried: weight %s is not within -253..253", words[i+1])
				return 0, false
			}
			w = v
			i++
		case "reverse":
			c.changed(k, true, "not carried: reverse (a priority that moves the other way); hadirector has no such weight")
			return 0, false
		default:
			c.changed(k, false, "not carried: %s", words[i])
		}
	}
	return w, true
}

func (c *converter) trackInterfaces(n *keepalived.Node) []*table {
	var out []*table
	for _, k := range n.Children {
		w, ok := c.weight(k, k.Args, 0)
		if !ok {
			continue
		}
		t := &table{header: "  [[instance.track_interface]]"}
		t.set("interface", str(k.Name), "")
		t.set("weight", num(w), cmt(w == 0, "0: a fault while down, as keepalived's default"))
		out = append(out, t)
	}
	return out
}

func (c *converter) trackScripts(n *keepalived.Node) []*table {
	var out []*table
	for _, k := range n.Children {
		def, ok := c.scripts[k.Name]
		if !ok {
			c.changed(k, false, "not carried: no vrrp_script %q (keepalived ignores it too)", k.Name)
			continue
		}
		t := &table{header: "  [[instance.track_script]]", comment: []string{"keepalived vrrp_script " + k.Name + " (" + def.Pos.String() + ")"}}
		interval, timeout := time.Second, time.Duration(0)
		var weight int64
		rise, fall := int64(1), int64(1)
		var argv []string
		for _, s := range def.Children {
			switch s.Name {
			case "script":
				argv, _ = c.script(s)
			case "interval":
				if d, ok := c.timer(s); ok {
					interval = d
				}
			case "timeout":
				if d, ok := c.timer(s); ok {
					timeout = d
				}
			case "weight":
				if w, ok := c.weight(s, append([]string{"weight"}, s.Args...), 0); ok {
					weight = w
				} else {
					argv = nil
				}
			case "rise":
				if v, ok := c.integer(s, 0, 1, 100); ok {
					rise = v
				}
			case "fall":
				if v, ok := c.integer(s, 0, 1, 100); ok {
					fall = v
				}
			case "user":
				c.skip(s, "hadirector runs track commands as its own user", false)
			case "init_fail":
				c.skip(s, "hadirector counts a script good until it fails fall times", false)
			default:
				c.skip(s, "not a vrrp_script keyword hadirector knows", false)
			}
		}
		if argv == nil {
			c.changed(k, true, "not carried: vrrp_script %s has no usable script", k.Name)
			continue
		}
		if len(k.Args) > 0 {
			w, ok := c.weight(k, k.Args, weight)
			if !ok {
				continue
			}
			weight = w
		}
		t.set("command", list(argv), "")
		t.set("interval", dur(interval), cmt(def.Child("interval") == nil, "keepalived's default (hadirector's is 5s)"))
		if timeout > 0 {
			if timeout > interval {
				c.changed(def.Child("timeout"), false, "timeout %v is longer than the interval: cut to %v (hadirector runs one at a time)", timeout, interval)
				timeout = interval
			}
			t.set("timeout", dur(timeout), "")
		}
		t.set("rise", num(rise), "")
		t.set("fall", num(fall), "")
		t.set("weight", num(weight), "")
		out = append(out, t)
	}
	return out
}

func (c *converter) trackFiles(n *keepalived.Node) []*table {
	var out []*table
	for _, k := range n.Children {
		def, ok := c.files[k.Name]
		if !ok {
			c.changed(k, false, "not carried: no track_file %q (keepalived ignores it too)", k.Name)
			continue
		}
		path := ""
		weight := int64(1) // keepalived's default for a tracked file
		good := true
		for _, s := range def.Children {
			switch s.Name {
			case "file":
				path, _ = c.arg(s, 0)
			case "weight":
				weight, good = c.weight(s, append([]string{"weight"}, s.Args...), 1)
			case "init_file":
				c.skip(s, "hadirector reads the file and never writes it; create it before start", false)
			default:
				c.skip(s, "not a track_file keyword hadirector knows", false)
			}
		}
		if len(k.Args) > 0 && good {
			weight, good = c.weight(k, k.Args, weight)
		}
		if path == "" || !good {
			c.changed(k, true, "not carried: track_file %s has no usable file or weight", k.Name)
			continue
		}
		t := &table{header: "  [[instance.track_file]]", comment: []string{"keepalived track_file " + k.Name + " (" + def.Pos.String() + ")"}}
		t.set("path", str(path), "")
		t.set("weight", num(weight), cmt(def.Child("weight") == nil && len(k.Args) == 0, "keepalived's default for a file"))
		out = append(out, t)
	}
	return out
}

// syncGroup converts vrrp_sync_group NAME { group { A B } notify... }.
func (c *converter) syncGroup(n *keepalived.Node) {
	if len(n.Args) != 1 {
		c.skip(n, "a vrrp_sync_group needs one name", true)
		return
	}
	t := &table{header: "[[sync_group]]", comment: []string{"keepalived vrrp_sync_group " + n.Args[0] + " (" + n.Pos.String() + ")"}}
	t.set("name", str(n.Args[0]), "")
	var members []string
	notify := map[string][]string{}
	for _, k := range n.Children {
		switch k.Name {
		case "group":
			for _, m := range k.Children {
				for _, name := range append([]string{m.Name}, m.Args...) {
					if !c.names[name] {
						c.changed(m, true, "not carried: %q is not a converted vrrp_instance", name)
						continue
					}
					members = append(members, name)
				}
			}
		case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop":
			if argv, ok := c.script(k); ok {
				notify[k.Name] = argv
			}
		default:
			c.skip(k, "not a vrrp_sync_group keyword hadirector knows", false)
		}
	}
	if len(members) < 2 {
		c.changed(n, false, "not carried: a group of %d instance(s) (keepalived drops a group of one as well)", len(members))
		return
	}
	t.set("instances", list(members), "")
	for _, k := range []string{"notify", "notify_master", "notify_backup", "notify_fault", "notify_stop"} {
		if v := notify[k]; v != nil {
			t.set(k, list(v), "")
		}
	}
	c.groups = append(c.groups, t)
}
