// Package dist holds what ships beside the binary (the systemd unit, the
// Prometheus alerting rules, the Grafana dashboard); its tests check them.
package dist

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// tool returns the path of a program the test needs; without it the test
// skips, except in the full suite (HADIRECTOR_LAB=1), which installs it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("HADIRECTOR_LAB") == "1" {
		t.Fatalf("%s missing (Debian package %s; scripts/install-deps installs it)", name, pkg)
	}
	t.Skipf("%s missing (Debian package %s)", name, pkg)
	return ""
}

// The alerting rules are valid, and each alert fires, and stays silent,
// on the series written for it (prometheus/hadirector-alerts.test.yml).
func TestAlertRules(t *testing.T) {
	promtool := tool(t, "promtool", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "hadirector-alerts.yml"},
		{"test", "rules", "hadirector-alerts.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

type panel struct {
	ID         int
	Type       string
	Title      string
	Datasource struct{ UID string }
	GridPos    struct{ H, W, X, Y int }
	Targets    []struct{ RefID, Expr string }
}

// The dashboard is one Grafana dashboard whose every panel queries the
// chosen Prometheus data source and fits the 24-column grid.
func TestDashboard(t *testing.T) {
	raw, err := os.ReadFile("grafana/hadirector.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID, Title    string
		SchemaVersion int
		Panels        []panel
		Templating    struct{ List []struct{ Name, Type string } }
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 {
		t.Errorf("uid %q, title %q, schemaVersion %d: all needed", d.UID, d.Title, d.SchemaVersion)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	for _, v := range []string{"datasource", "job", "director"} {
		if !vars[v] {
			t.Errorf("no variable $%s", v)
		}
	}
	ids := map[int]bool{}
	queries := 0
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if g := p.GridPos; g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24 columns", p.Title, g)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${datasource}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: data source %q, %d queries", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, tg := range p.Targets {
			queries++
			if tg.Expr == "" || tg.RefID == "" {
				t.Errorf("panel %q: query %+v lacks expr or refId", p.Title, tg)
			}
			if strings.Contains(tg.Expr, "hadirector_") && !strings.Contains(tg.Expr, `job="$job"`) {
				t.Errorf("panel %q: %s ignores $job", p.Title, tg.Expr)
			}
		}
	}
	if queries < 20 {
		t.Errorf("%d queries; the dashboard lost its panels", queries)
	}
}
