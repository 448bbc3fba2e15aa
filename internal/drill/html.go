package drill

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
)

//go:embed page.html.tmpl
var pageSource string

var page = template.Must(template.New("page").Parse(pageSource))

// WriteHTML writes one self-contained page (no script, no external
// resource): the drill's timeline as an inline SVG, then the text report.
func (r Report) WriteHTML(w io.Writer) error {
	var text strings.Builder
	r.WriteText(&text)
	return page.Execute(w, struct {
		R    Report
		P    picture
		Text string
	}{r, r.layout(), text.String()})
}
