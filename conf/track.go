package conf

import (
	"fmt"
	"strings"
	"time"
)

// TrackKind says what a Track watches.
type TrackKind int

// The three kinds, as keepalived's track_interface, track_script and
// track_file.
const (
	TrackInterface TrackKind = iota
	TrackScript
	TrackFile
)

func (k TrackKind) String() string {
	return [...]string{"interface", "script", "file"}[k]
}

// Track is one object an instance depends on.
//
// Weight 0 makes a failure a fault: the instance leaves service (priority-0
// advert if master, VIPs removed) until the object is good again. A
// negative weight lowers the priority by |weight| while an interface is
// down or a script fails; a positive one raises it by weight while the
// interface is up or the script succeeds. A file holds an integer n: with
// weight 0, n != 0 is a fault; otherwise the priority changes by n*weight.
// The effective priority stays within 1..254; an owner's 255 never changes.
type Track struct {
	Kind      TrackKind
	Interface string        // TrackInterface
	Command   []string      // TrackScript: program and arguments, no shell
	Path      string        // TrackFile
	Interval  time.Duration // script and file: how often (default 1s for files, 5s for scripts)
	Timeout   time.Duration // script: killed after it (default the interval)
	Rise      int           // script: successes in a row before good (default 1)
	Fall      int           // script: failures in a row before failed (default 1)
	Weight    int           // -253..253
}

// Name identifies the object in logs and status.
func (t Track) Name() string {
	switch t.Kind {
	case TrackInterface:
		return "interface " + t.Interface
	case TrackScript:
		return "script " + strings.Join(t.Command, " ")
	}
	return "file " + t.Path
}

func buildTracks(p string, ri rawInstance, e *errs) []Track {
	var out []Track
	for _, g := range []struct {
		kind TrackKind
		key  string
		list []rawTrack
	}{{TrackInterface, "track_interface", ri.TrackInterface}, {TrackScript, "track_script", ri.TrackScript}, {TrackFile, "track_file", ri.TrackFile}} {
		for n, rt := range g.list {
			k := fmt.Sprintf("%s.%s[%d]", p, g.key, n)
			if t, ok := buildTrack(k, g.kind, rt, e); ok {
				out = append(out, t)
			}
		}
	}
	return out
}

func buildTrack(k string, kind TrackKind, rt rawTrack, e *errs) (Track, bool) {
	before := e.count()
	t := Track{Kind: kind, Rise: 1, Fall: 1}
	t.Weight = int(intIn(e, k, "weight", rt.Weight, -253, 253, false, 0))
	not := func(key string, set bool) {
		if set {
			e.add(k+"."+key, "not a key of a track_%s", kind)
		}
	}
	switch kind {
	case TrackInterface:
		not("command", rt.Command != nil)
		not("path", rt.Path != nil)
		not("interval", rt.Interval != nil)
		not("timeout", rt.Timeout != nil)
		not("rise", rt.Rise != nil)
		not("fall", rt.Fall != nil)
		switch {
		case rt.Interface == nil || *rt.Interface == "":
			e.add(k+".interface", "required")
		case len(*rt.Interface) > 15:
			e.add(k+".interface", "%q is longer than an interface name can be (15)", *rt.Interface)
		default:
			t.Interface = *rt.Interface
		}
	case TrackScript:
		not("interface", rt.Interface != nil)
		not("path", rt.Path != nil)
		if rt.Command == nil {
			e.add(k+".command", "required")
		}
		t.Command = argv(e, k, "command", rt.Command)
		t.Interval = duration(e, k, "interval", rt.Interval, 5*time.Second)
		t.Timeout = duration(e, k, "timeout", rt.Timeout, t.Interval)
		if t.Interval < 100*time.Millisecond || t.Interval > time.Hour {
			e.add(k+".interval", "%v: must be from 100ms to 1h", t.Interval)
		}
		if t.Timeout <= 0 || t.Timeout > t.Interval {
			e.add(k+".timeout", "%v: must be more than 0s and at most the interval %v", t.Timeout, t.Interval)
		}
		t.Rise = int(intIn(e, k, "rise", rt.Rise, 1, 100, false, 1))
		t.Fall = int(intIn(e, k, "fall", rt.Fall, 1, 100, false, 1))
	case TrackFile:
		not("interface", rt.Interface != nil)
		not("command", rt.Command != nil)
		not("timeout", rt.Timeout != nil)
		not("rise", rt.Rise != nil)
		not("fall", rt.Fall != nil)
		switch {
		case rt.Path == nil || *rt.Path == "":
			e.add(k+".path", "required")
		case !strings.HasPrefix(*rt.Path, "/"):
			e.add(k+".path", "%q: give an absolute path", *rt.Path)
		default:
			t.Path = *rt.Path
		}
		t.Interval = duration(e, k, "interval", rt.Interval, time.Second)
		if t.Interval < 100*time.Millisecond || t.Interval > time.Hour {
			e.add(k+".interval", "%v: must be from 100ms to 1h", t.Interval)
		}
	}
	return t, e.count() == before
}
