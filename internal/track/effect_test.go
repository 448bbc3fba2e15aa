package track

import (
	"testing"

	"github.com/hadirector/hadirector/conf"
)

func TestEffect(t *testing.T) {
	iface := func(w int) conf.Track { return conf.Track{Kind: conf.TrackInterface, Interface: "eth1", Weight: w} }
	script := func(w int) conf.Track {
		return conf.Track{Kind: conf.TrackScript, Command: []string{"/bin/true"}, Weight: w}
	}
	file := func(w int) conf.Track { return conf.Track{Kind: conf.TrackFile, Path: "/run/p", Weight: w} }
	up, down := State{Known: true, Up: true}, State{Known: true}
	val := func(n int) State { return State{Known: true, Value: n} }
	cases := []struct {
		name  string
		base  uint8
		ts    []conf.Track
		st    []State
		fault bool
		prio  uint8
	}{
		{"nothing tracked", 100, nil, nil, false, 100},
		{"interface up", 100, []conf.Track{iface(0)}, []State{up}, false, 100},
		{"interface down: fault", 100, []conf.Track{iface(0)}, []State{down}, true, 100},
		{"interface unknown counts as good", 100, []conf.Track{iface(0)}, []State{{}}, false, 100},
		{"negative weight applies when down", 100, []conf.Track{iface(-30)}, []State{down}, false, 70},
		{"negative weight not when up", 100, []conf.Track{iface(-30)}, []State{up}, false, 100},
		{"positive weight applies when up", 100, []conf.Track{script(20)}, []State{up}, false, 120},
		{"positive weight not when failing", 100, []conf.Track{script(20)}, []State{down}, false, 100},
		{"weights add", 100, []conf.Track{iface(-30), script(20), script(-10)}, []State{down, up, down}, false, 80},
		{"clamped at 1", 100, []conf.Track{iface(-200)}, []State{down}, false, 1},
		{"clamped at 254", 200, []conf.Track{script(100)}, []State{up}, false, 254},
		{"file weight 0: non-zero is a fault", 100, []conf.Track{file(0)}, []State{val(3)}, true, 100},
		{"file weight 0: zero is good", 100, []conf.Track{file(0)}, []State{val(0)}, false, 100},
		{"file value times weight", 100, []conf.Track{file(-2)}, []State{val(10)}, false, 80},
		{"owner keeps 255", 255, []conf.Track{iface(-50)}, []State{down}, false, 255},
		{"owner can fault", 255, []conf.Track{iface(0)}, []State{down}, true, 255},
	}
	for _, c := range cases {
		f, p, why := Effect(c.base, c.ts, c.st)
		if f != c.fault || p != c.prio {
			t.Errorf("%s: fault %v prio %d, want %v %d", c.name, f, p, c.fault, c.prio)
		}
		if f && why == "" {
			t.Errorf("%s: a fault without a reason", c.name)
		}
	}
}
