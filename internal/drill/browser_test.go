package drill

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const shotW, shotH = 1200, 700

// chromium loads the page in headless Chromium, takes a screenshot and
// returns it with the console messages the page caused.
func chromium(t *testing.T, page string) (image.Image, []string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("HADIRECTOR_LAB") == "1" {
			t.Fatal("chromium missing (Debian package chromium; scripts/install-deps installs it)")
		}
		t.Skip("chromium missing (Debian package chromium)")
	}
	dir := t.TempDir()
	html, shot := filepath.Join(dir, "drill.html"), filepath.Join(dir, "shot.png")
	if err := os.WriteFile(html, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// --no-sandbox: the tests run as root, where Chromium's sandbox refuses
	// to start.
	cmd := exec.CommandContext(ctx, bin, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--window-size=1200,700", "--screenshot="+shot, "file://"+html)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	var console []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, out)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img, console
}

func near(c color.Color, hex string, tol int) bool {
	var want [3]int
	for i := range want {
		var v int
		for _, ch := range hex[1+2*i : 3+2*i] {
			v = v*16 + strings.IndexRune("0123456789abcdef", ch)
		}
		want[i] = v
	}
	r, g, b, _ := c.RGBA()
	got := [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
	for i := range got {
		if d := got[i] - want[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

// Headless Chromium shows the recorded drill's page without a console
// message, and its screenshot has the timeline where the layout put it:
// the gap's box at its size, the new master's first advert, the shaded
// bound and the blank plot around them.
func TestHTMLInChromium(t *testing.T) {
	// The console check sees a page's errors at all.
	if _, console := chromium(t, `<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body><script>undefinedFn()</script></body></html>`); len(console) == 0 {
		t.Fatal("a page with a script error left no console message: the check below is blind")
	}

	r := recorded(t, "unplanned")
	img, console := chromium(t, render(t, r))
	for _, l := range console {
		t.Errorf("console: %s", l)
	}
	if b := img.Bounds(); b.Dx() != shotW || b.Dy() != shotH {
		t.Fatalf("screenshot %dx%d, want %dx%d", b.Dx(), b.Dy(), shotW, shotH)
	}
	// The gap's box, found by its colour, has the size the layout gave it.
	p := r.layout()
	minX, minY, maxX, maxY := shotW, shotH, -1, -1
	for y := range shotH {
		for x := range shotW {
			if near(img.At(x, y), colorGap, 0) {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX < 0 {
		t.Fatal("no pixel of the gap's colour in the screenshot")
	}
	if w, h := float64(maxX-minX+1), float64(maxY-minY+1); w < p.Gap.W-3 || w > p.Gap.W+3 || h < p.Gap.H-3 || h > p.Gap.H+3 {
		t.Errorf("the gap's box is %.0fx%.0f px, the layout says %.0fx%.0f", w, h, p.Gap.W, p.Gap.H)
	}
	// Where the SVG's origin landed on the page.
	ox, oy := float64(minX)-p.Gap.X, float64(minY)-p.Gap.Y
	at := func(x, y float64) color.Color { return img.At(int(ox+x), int(oy+y)) }
	first := p.Lanes[1] // the new master's lane
	if len(first.Ticks) == 0 {
		t.Fatal("the new master's lane has no advert")
	}
	zero, bound := p.Marks[0], p.Marks[len(p.Marks)-1]
	between := float64(p.Lanes[0].Y+p.Lanes[1].Y) / 2
	for _, c := range []struct {
		what string
		x, y float64
		want string
	}{
		{"the page's corner", -ox + 2, -oy + 2, "#ffffff"},
		{"the new master's first advert", first.Ticks[0].X, float64(first.Y) + 5, colorNew},
		{"the plot before the drill", float64(p.PlotLeft) + 3, between, "#ffffff"},
		{"the shade up to the RFC bound", (zero.X + bound.X) / 2, between, colorShade},
		{"the plot after the bound", float64(p.PlotRight) - 3, between, "#ffffff"},
	} {
		if got := at(c.x, c.y); !near(got, c.want, 40) {
			t.Errorf("%s at (%.0f, %.0f) is %v, want %s", c.what, ox+c.x, oy+c.y, got, c.want)
		}
	}
}
