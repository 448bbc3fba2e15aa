package drill

import (
	"fmt"
	"slices"
	"time"
)

// The picture's geometry, in SVG user units (pixels at 100% zoom).
const (
	picWidth   = 1100
	picLeft    = 250 // lane labels
	picRight   = 30
	picTop     = 56 // marker labels
	picLane    = 46
	picTick    = 26
	picAxis    = 44
	colorOld   = "#1f77b4"
	colorNew   = "#2ca02c"
	colorOther = "#7f7f7f"
	colorGARP  = "#ff7f0e"
	colorReply = "#555555"
	colorGap   = "#ffb3b3"
	colorShade = "#fdf1f1"
	colorBound = "#d62728"
)

// picture is the drill's timeline laid out for the page's SVG.
type picture struct {
	Width, Height int
	PlotLeft      int
	PlotRight     int
	Lanes         []lane
	Marks         []mark
	Ticks         []tick
	Gap           *box
	AxisY         int
	LabelX        int // lane labels end here
	AxisTickY     int // the axis ticks' lower end
}

type lane struct {
	Label  string
	Y      int // the lane's middle
	Y1, Y2 int // a tick's ends
	TallY1 int // a tall tick's top
	Ticks  []tickMark
}

type tickMark struct {
	X       float64
	Color   string
	Title   string
	Tall    bool // a priority-0 advert: taller and thicker, so it stands out
	Thin    bool // a ping reply: one of many
	Opacity float64
}

type mark struct {
	X      float64
	Color  string
	Label  string
	LabelY int
	Dash   bool
	Anchor string
	Shade  *box // the stretch from the drill's start to the bound
}

type tick struct {
	X     float64
	Label string
}

type box struct {
	X, Y, W, H float64
	Fill       string
	Label      string
	LabelX     float64
}

// span is the stretch of time the picture shows: a little before the drill
// began (at most two advert intervals) to the end of what was watched.
func (r Report) span() (from, to time.Duration) {
	from = -2 * r.AdvertInterval
	if len(r.Timeline) > 0 && r.Timeline[0].At > from {
		from = min(r.Timeline[0].At, 0)
	}
	to = max(r.Watched, r.Bound, r.Takeover, r.GapStart+r.LongestGap)
	if n := len(r.Timeline); n > 0 {
		to = max(to, r.Timeline[n-1].At)
	}
	to += (to - from) / 50
	return from, to
}

// layout turns the report into shapes.
func (r Report) layout() picture {
	from, to := r.span()
	p := picture{Width: picWidth, PlotLeft: picLeft, PlotRight: picWidth - picRight, LabelX: picLeft - 10}
	x := func(d time.Duration) float64 {
		return float64(picLeft) + float64(d-from)/float64(to-from)*float64(picWidth-picLeft-picRight)
	}
	in := func(d time.Duration) bool { return d >= from && d <= to }

	// One lane per router heard, old master first, then new master.
	var routers []string
	for _, e := range r.Timeline {
		if e.Kind == "advert" && !slices.Contains(routers, e.Src) {
			routers = append(routers, e.Src)
		}
	}
	rank := func(a string) int {
		switch a {
		case r.OldMaster:
			return 0
		case r.NewMaster:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(routers, func(a, b string) int { return rank(a) - rank(b) })
	y := picTop + picLane/2
	laneOf := map[string]int{}
	for _, a := range routers {
		label, color := "adverts "+a, colorOther
		switch a {
		case r.OldMaster:
			label, color = label+" (old master)", colorOld
		case r.NewMaster:
			label, color = label+" (new master)", colorNew
		}
		laneOf[a] = len(p.Lanes)
		p.Lanes = append(p.Lanes, newLane(label, y))
		y += picLane
		for _, e := range r.Timeline {
			if e.Kind == "advert" && e.Src == a && in(e.At) {
				p.Lanes[laneOf[a]].Ticks = append(p.Lanes[laneOf[a]].Ticks, tickMark{X: x(e.At), Color: color, Opacity: 1,
					Tall: e.Priority == 0, Title: fmt.Sprintf("advert from %s, priority %d, at %s", a, e.Priority, ms(e.At))})
			}
		}
	}
	garps := newLane(r.announcement()+"s for "+r.VIP, y)
	y += picLane
	replies := newLane(fmt.Sprintf("ping replies (every %v)", r.PingInterval), y)
	y += picLane
	for _, e := range r.Timeline {
		if !in(e.At) {
			continue
		}
		switch e.Kind {
		case "garp":
			garps.Ticks = append(garps.Ticks, tickMark{X: x(e.At), Color: colorGARP, Opacity: 1,
				Title: fmt.Sprintf("%s from %s at %s", r.announcement(), e.Src, ms(e.At))})
		case "reply":
			replies.Ticks = append(replies.Ticks, tickMark{X: x(e.At), Color: colorReply, Opacity: 0.8, Thin: true,
				Title: "echo reply at " + ms(e.At)})
		}
	}
	p.Lanes = append(p.Lanes, garps, replies)
	if r.LongestGap > 0 {
		x0, x1 := x(r.GapStart), x(r.GapStart+r.LongestGap)
		p.Gap = &box{X: x0, Y: float64(replies.Y - picTick/2 - 4), W: x1 - x0, H: picTick + 8, Fill: colorGap,
			Label: "longest gap " + ms(r.LongestGap), LabelX: (x0 + x1) / 2}
	}
	p.AxisY = y - picLane/2 + picTick
	p.Height = p.AxisY + picAxis
	p.AxisTickY = p.AxisY + 5

	p.Marks = append(p.Marks, mark{X: x(0), Color: "#000000", Label: "drill began (" + r.Kind + ")", LabelY: 14})
	if r.NewMaster != "" {
		p.Marks = append(p.Marks, mark{X: x(r.Takeover), Color: colorNew, Dash: true, LabelY: 30,
			Label: fmt.Sprintf("%s took over: 1st advert at %s", r.NewMaster, ms(r.Takeover))})
	}
	if r.Bound > 0 {
		p.Marks = append(p.Marks, mark{X: x(r.Bound), Color: colorBound, Dash: true, LabelY: 46,
			Label: fmt.Sprintf("RFC bound: %s %s", r.BoundName, ms(r.Bound)),
			Shade: &box{X: x(0), Y: picTop - 4, W: x(r.Bound) - x(0), H: float64(p.AxisY - picTop + 4), Fill: colorShade}})
	}
	for i := range p.Marks {
		// A label near the right edge ends at its line instead of starting there.
		p.Marks[i].Anchor = "start"
		if p.Marks[i].X > float64(p.PlotRight-320) {
			p.Marks[i].Anchor = "end"
		}
	}
	step := axisStep(to - from)
	for t := (from / step) * step; t <= to; t += step {
		if t >= from {
			p.Ticks = append(p.Ticks, tick{X: x(t), Label: axisLabel(t)})
		}
	}
	return p
}

func newLane(label string, y int) lane {
	return lane{Label: label, Y: y, Y1: y - picTick/2, Y2: y + picTick/2, TallY1: y - picTick/2 - 8}
}

// axisStep is a round step giving about ten ticks over d.
func axisStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000} {
		if d/(s*time.Millisecond) <= 12 {
			return s * time.Millisecond
		}
	}
	return time.Minute
}

func axisLabel(t time.Duration) string {
	if t%time.Second == 0 {
		return fmt.Sprintf("%d s", t/time.Second)
	}
	return fmt.Sprintf("%d ms", t/time.Millisecond)
}
