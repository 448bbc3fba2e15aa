package drill

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// recorded returns a drill's report recorded from the demo's lab
// (testdata/KIND.json: hadirector drill --json).
func recorded(t *testing.T, kind string) Report {
	t.Helper()
	b, err := os.ReadFile("testdata/" + kind + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func render(t *testing.T, r Report) string {
	t.Helper()
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// svgOf parses the page's SVG and returns every element by its name.
func svgOf(t *testing.T, page string) map[string][]map[string]string {
	t.Helper()
	i, j := strings.Index(page, "<svg"), strings.Index(page, "</svg>")
	if i < 0 || j < i {
		t.Fatal("no <svg> in the page")
	}
	els := map[string][]map[string]string{}
	d := xml.NewDecoder(strings.NewReader(page[i : j+len("</svg>")]))
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return els
			}
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			attrs := map[string]string{}
			for _, a := range se.Attr {
				attrs[a.Name.Local] = a.Value
			}
			els[se.Name.Local] = append(els[se.Name.Local], attrs)
		}
	}
}

func count(els []map[string]string, attr, value string) int {
	n := 0
	for _, e := range els {
		if e[attr] == value {
			n++
		}
	}
	return n
}

// The page of a recorded drill draws every advert, GARP and ping reply of
// its timeline as a tick of its lane, the gap, the takeover and the RFC
// bound, and carries the text report; it loads nothing from anywhere.
func TestHTMLFromRecordedDrill(t *testing.T) {
	for _, kind := range []string{"unplanned", "planned"} {
		t.Run(kind, func(t *testing.T) {
			r := recorded(t, kind)
			page := render(t, r)
			els := svgOf(t, page)
			from, to := r.span()
			want := map[string]int{}
			for _, e := range r.Timeline {
				if e.At < from || e.At > to {
					continue
				}
				switch {
				case e.Kind == "advert" && e.Src == r.OldMaster:
					want[colorOld]++
				case e.Kind == "advert" && e.Src == r.NewMaster:
					want[colorNew]++
				case e.Kind == "garp":
					want[colorGARP]++
				case e.Kind == "reply":
					want[colorReply]++
				}
			}
			if want[colorOld] == 0 || want[colorNew] == 0 || want[colorGARP] == 0 || want[colorReply] < 50 {
				t.Fatalf("the recorded timeline lacks events: %v", want)
			}
			for color, n := range want {
				// A tick is a line with a <title>; the marks' lines have none.
				if got := count(els["line"], "stroke", color) - count(marksOf(r), "stroke", color); got != n {
					t.Errorf("%d ticks of %s, want %d", got, color, n)
				}
			}
			if n := count(els["rect"], "fill", colorGap); n != 1 {
				t.Errorf("%d gap rectangles, want 1", n)
			}
			for _, s := range []string{
				"longest gap " + ms(r.LongestGap),
				"RFC bound: " + r.BoundName + " " + ms(r.Bound),
				r.NewMaster + " took over: 1st advert at " + ms(r.Takeover),
				"drill began (" + kind + ")",
				"adverts " + r.OldMaster + " (old master)",
				"adverts " + r.NewMaster + " (new master)",
				"new master&#39;s 1st advert: " + ms(r.Takeover), // the text report, escaped
			} {
				if !strings.Contains(page, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			// Self-contained: no script, and no reference to anything but
			// the SVG namespace and the empty data: icon.
			if strings.Contains(page, "<script") {
				t.Error("the page has a script")
			}
			for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
				if m[1] != "data:," {
					t.Errorf("the page refers to %q", m[1])
				}
			}
		})
	}
}

func marksOf(r Report) []map[string]string {
	var out []map[string]string
	for _, m := range r.layout().Marks {
		out = append(out, map[string]string{"stroke": m.Color})
	}
	return out
}

// A drill that found no new master still renders; names are escaped.
func TestHTMLFailedDrill(t *testing.T) {
	r := Report{Kind: "unplanned", Instance: `<b>web</b>`, VRID: 51, Interface: "eth0", VIP: "192.0.2.100",
		AdvertInterval: time.Second, OldMaster: "192.0.2.11", PingInterval: 10 * time.Millisecond,
		Watched: 4 * time.Second, Problems: []string{"no other master advertised within 4.6s"},
		Timeline: []Event{{At: -time.Second, Kind: "advert", Src: "192.0.2.11", Priority: 150}, {At: -5 * time.Millisecond, Kind: "reply"}}}
	page := render(t, r)
	els := svgOf(t, page)
	if strings.Contains(page, "<b>web</b>") || !strings.Contains(page, "&lt;b&gt;web&lt;/b&gt;") {
		t.Error("the instance name is not escaped")
	}
	if count(els["rect"], "fill", colorGap) != 0 || strings.Contains(page, "took over") {
		t.Error("a gap or a takeover drawn for a drill without either")
	}
	if !strings.Contains(page, "PROBLEM: no other master advertised") {
		t.Error("the problem is not in the page")
	}
	for _, l := range els["line"] {
		for _, a := range []string{"x1", "x2"} {
			if strings.HasPrefix(l[a], "-") {
				t.Errorf("line outside the picture: %v", l)
			}
		}
	}
}

func TestAxisStep(t *testing.T) {
	for _, c := range []struct {
		span time.Duration
		want time.Duration
	}{
		{100 * time.Millisecond, 10 * time.Millisecond},
		{time.Second, 100 * time.Millisecond},
		{3 * time.Second, 250 * time.Millisecond},
		{5 * time.Second, 500 * time.Millisecond},
		{40 * time.Second, 5 * time.Second},
		{time.Hour, time.Minute},
	} {
		if got := axisStep(c.span); got != c.want {
			t.Errorf("axisStep(%v) = %v, want %v", c.span, got, c.want)
		}
	}
}
