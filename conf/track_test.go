package conf

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestTracks(t *testing.T) {
	c, err := Parse("t.toml", []byte(base+`
[[instance.track_interface]]
interface = "eth1"
weight = -20

[[instance.track_script]]
command = ["/usr/local/bin/check", "web"]
interval = "2s"
fall = 3

[[instance.track_file]]
path = "/run/hadirector/web.prio"
weight = 1
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Track{
		{Kind: TrackInterface, Interface: "eth1", Weight: -20, Rise: 1, Fall: 1},
		{Kind: TrackScript, Command: []string{"/usr/local/bin/check", "web"}, Interval: 2 * time.Second, Timeout: 2 * time.Second, Rise: 1, Fall: 3},
		{Kind: TrackFile, Path: "/run/hadirector/web.prio", Interval: time.Second, Weight: 1, Rise: 1, Fall: 1},
	}
	if got := c.Instances[0].Track; !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestTrackErrors(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"interface required", "[[instance.track_interface]]\nweight = 1\n", "t.toml:11: instance[0].track_interface[0].interface: required"},
		{"interface key on a script", "[[instance.track_script]]\ncommand = [\"/bin/true\"]\ninterface = \"eth1\"\n", "t.toml:13: instance[0].track_script[0].interface: not a key of a track_script"},
		{"script relative", "[[instance.track_script]]\ncommand = [\"check\"]\n", "t.toml:12: instance[0].track_script[0].command: \"check\": give the program's absolute path"},
		{"script timeout", "[[instance.track_script]]\ncommand = [\"/bin/true\"]\ninterval = \"1s\"\ntimeout = \"2s\"\n", "t.toml:14: instance[0].track_script[0].timeout: 2s: must be more than 0s and at most the interval 1s"},
		{"weight range", "[[instance.track_file]]\npath = \"/run/p\"\nweight = 300\n", "t.toml:13: instance[0].track_file[0].weight: 300 is out of range -253..253"},
		{"file relative", "[[instance.track_file]]\npath = \"p\"\n", "t.toml:12: instance[0].track_file[0].path: \"p\": give an absolute path"},
		{"unknown key", "[[instance.track_file]]\npath = \"/run/p\"\nvalue = 3\n", "t.toml:13: instance[0].track_file[0].value: unknown key"},
	}
	for _, c := range cases {
		_, err := Parse("t.toml", []byte(base+"\n"+c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
