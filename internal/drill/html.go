package drill

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// The page is written with fmt rather than html/template: linking a
// template package makes the linker keep every exported method of the
// whole binary (templates call methods by name through reflect). Every
// text that comes from data goes through esc.

// WriteHTML writes one self-contained page (no script, no external
// resource): the drill's timeline as an inline SVG, then the text report.
func (r Report) WriteHTML(w io.Writer) error {
	p := r.layout()
	var b strings.Builder
	r.htmlHead(&b)
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline of the drill\">\n",
		p.Width, p.Height, p.Width, p.Height)
	fmt.Fprintf(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>", p.Width, p.Height)
	p.svgShades(&b)
	p.svgLanes(&b)
	p.svgMarks(&b)
	p.svgGap(&b)
	p.svgTicks(&b)
	p.svgAxis(&b)
	b.WriteString("\n</svg>\n")
	r.htmlReport(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string { return html.EscapeString(s) }

const pageStyle = `<style>
body { margin: 16px; font-family: sans-serif; color: #222; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px 0; }
p.sub { margin: 0 0 12px 0; color: #555; font-size: 14px; }
svg { display: block; }
svg text { font-family: sans-serif; font-size: 12px; fill: #222; }
pre { font-size: 13px; background: #f6f6f6; padding: 10px; border: 1px solid #ddd; }
</style>
`

// htmlHead writes the document's head, the heading and the line under it.
func (r Report) htmlHead(b *strings.Builder) {
	newMaster := r.NewMaster
	if newMaster == "" {
		newMaster = "none"
	}
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hadirector drill: %s VRID %d</title>\n<link rel=\"icon\" href=\"data:,\">\n",
		esc(r.Instance), r.VRID)
	b.WriteString(pageStyle)
	b.WriteString("</head>\n<body>\n")
	fmt.Fprintf(b, "<h1>hadirector drill (%s) of %s, VRID %d on %s, VIP %s</h1>\n",
		esc(r.Kind), esc(r.Instance), r.VRID, esc(r.Interface), esc(r.VIP))
	fmt.Fprintf(b, "<p class=\"sub\">master %s &rarr; %s; adverts every %s; times from the moment the drill began</p>\n",
		esc(r.OldMaster), esc(newMaster), esc(r.AdvertInterval.String()))
}

// htmlReport writes the text report under the picture and ends the page.
func (r Report) htmlReport(b *strings.Builder) {
	var text strings.Builder
	r.WriteText(&text)
	fmt.Fprintf(b, "<pre>%s</pre>\n</body>\n</html>\n", esc(text.String()))
}

// svgBox writes a filled rectangle; a labelled one carries its label as a
// tooltip.
func svgBox(b *strings.Builder, x *box) {
	fmt.Fprintf(b, "\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"", x.X, x.Y, x.W, x.H, esc(x.Fill))
	if x.Label == "" {
		b.WriteString("/>")
		return
	}
	fmt.Fprintf(b, "><title>%s</title></rect>", esc(x.Label))
}

// svgShades writes the marks' shaded stretches, under everything else.
func (p picture) svgShades(b *strings.Builder) {
	for _, m := range p.Marks {
		if m.Shade != nil {
			svgBox(b, m.Shade)
		}
	}
}

// svgLanes writes each lane's guide line and label.
func (p picture) svgLanes(b *strings.Builder) {
	for _, l := range p.Lanes {
		fmt.Fprintf(b, "\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>", p.PlotLeft, l.Y, p.PlotRight, l.Y)
		fmt.Fprintf(b, "\n<text x=\"%d\" y=\"%d\" dy=\"4\" text-anchor=\"end\">%s</text>", p.LabelX, l.Y, esc(l.Label))
	}
}

// svgMarks writes the vertical marks (drill start, takeover, bound) and
// their labels.
func (p picture) svgMarks(b *strings.Builder) {
	for _, m := range p.Marks {
		dash, dx := "", "4"
		if m.Dash {
			dash = ` stroke-dasharray="6 4"`
		}
		if m.Anchor == "end" {
			dx = "-4"
		}
		fmt.Fprintf(b, "\n<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"%s/>",
			m.X, m.LabelY, m.X, p.AxisY, esc(m.Color), dash)
		fmt.Fprintf(b, "\n<text x=\"%.1f\" y=\"%d\" dx=\"%s\" dy=\"-2\" text-anchor=\"%s\" fill=\"%s\">%s</text>",
			m.X, m.LabelY, dx, esc(m.Anchor), esc(m.Color), esc(m.Label))
	}
}

// svgGap writes the longest gap in ping replies, boxed and labelled.
func (p picture) svgGap(b *strings.Builder) {
	if p.Gap == nil {
		return
	}
	svgBox(b, p.Gap)
	fmt.Fprintf(b, "\n<text x=\"%.1f\" y=\"%.1f\" dy=\"-3\" text-anchor=\"middle\" fill=\"#b00000\">%s</text>",
		p.Gap.LabelX, p.Gap.Y, esc(p.Gap.Label))
}

// svgTicks writes every event of every lane as a tick with a tooltip.
func (p picture) svgTicks(b *strings.Builder) {
	for _, l := range p.Lanes {
		for _, t := range l.Ticks {
			y1, width := l.Y1, 2
			switch {
			case t.Tall:
				y1, width = l.TallY1, 4
			case t.Thin:
				width = 1
			}
			fmt.Fprintf(b, "\n<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%d\" stroke-opacity=\"%v\"><title>%s</title></line>",
				t.X, y1, t.X, l.Y2, esc(t.Color), width, t.Opacity, esc(t.Title))
		}
	}
}

// svgAxis writes the time axis with its ticks and labels.
func (p picture) svgAxis(b *strings.Builder) {
	fmt.Fprintf(b, "\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#222222\"/>", p.PlotLeft, p.AxisY, p.PlotRight, p.AxisY)
	for _, t := range p.Ticks {
		fmt.Fprintf(b, "\n<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222222\"/>", t.X, p.AxisY, t.X, p.AxisTickY)
		fmt.Fprintf(b, "\n<text x=\"%.1f\" y=\"%d\" dy=\"18\" text-anchor=\"middle\">%s</text>", t.X, p.AxisY, esc(t.Label))
	}
}
