package integration

import (
	"encoding/json"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v2"

	"github.com/hadirector/hadirector/vrrp"
)

// The shipped alerting rules and dashboard, relative to this package.
const (
	alertRules = "../dist/prometheus/hadirector-alerts.yml"
	dashboard  = "../dist/grafana/hadirector.json"
)

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promMatchers = regexp.MustCompile(`\{[^{}]*\}|\[[^\[\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"}
)

// promqlNames returns the metric names a PromQL expression selects: what is
// left once strings, label matchers, ranges, grouping clauses, function
// calls, keywords and Grafana variables are taken out.
func promqlNames(expr string) []string {
	expr = promString.ReplaceAllString(expr, `""`)
	for prev := ""; prev != expr; {
		prev = expr
		expr = promMatchers.ReplaceAllString(expr, " ")
	}
	expr = promGrouping.ReplaceAllString(expr, " ")
	var names []string
	for _, m := range promIdent.FindAllStringIndex(expr, -1) {
		name := expr[m[0]:m[1]]
		if m[0] > 0 && strings.ContainsAny(expr[m[0]-1:m[0]], "0123456789$.") {
			continue // part of a number (1e9) or a variable
		}
		if strings.HasPrefix(strings.TrimSpace(expr[m[1]:]), "(") || slices.Contains(promKeywords, strings.ToLower(name)) {
			continue // a function call or a keyword
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

func TestPromQLNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`up{job="hadirector"} == 0`, []string{"up"}},
		{`count by (job, vrid) (hadirector_vrrp_state{state="MASTER"} == 1) > 1`, []string{"hadirector_vrrp_state"}},
		{`sum without (reason) (rate(hadirector_vrrp_drops_total{reason!~"own|vrid"}[5m])) > 0`, []string{"hadirector_vrrp_drops_total"}},
		{`(sum by (job, instance) (a_b) == 0) or (c{role="master"} == 0 and on (job, instance) (max by (job) (d{x="y"}) == 1))`, []string{"a_b", "c", "d"}},
		{`time() - hadirector_ipvs_last_reconcile_timestamp_seconds{job="$job",instance=~"$director"}`, []string{"hadirector_ipvs_last_reconcile_timestamp_seconds"}},
		{`rate(process_cpu_seconds_total{job="$job"}[$__rate_interval]) * 1e9 + 3`, []string{"process_cpu_seconds_total"}},
		{`label_values(hadirector_build_info{job="$job"}, instance)`, []string{"hadirector_build_info", "instance"}},
	} {
		if got := promqlNames(c.expr); !slices.Equal(got, c.want) {
			t.Errorf("promqlNames(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}

// shippedMetricNames returns every metric name the alerting rules and the
// dashboard's panels and variables select, each with where it is used.
func shippedMetricNames(t *testing.T) map[string]string {
	t.Helper()
	names := map[string]string{}
	add := func(where, expr string) {
		ns := promqlNames(expr)
		if len(ns) == 0 {
			t.Errorf("%s: no metric in %q", where, expr)
		}
		for _, n := range ns {
			names[n] = where
		}
	}
	raw, err := os.ReadFile(alertRules)
	must(t, err)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			}
		}
	}
	must(t, yaml.Unmarshal(raw, &rules))
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			add("alert "+r.Alert+r.Record, r.Expr)
		}
	}
	raw, err = os.ReadFile(dashboard)
	must(t, err)
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Name  string
				Query json.RawMessage
			}
		}
	}
	must(t, json.Unmarshal(raw, &dash))
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			add("panel "+p.Title, tg.Expr)
		}
	}
	labelValues := regexp.MustCompile(`label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)`)
	for _, v := range dash.Templating.List {
		if m := labelValues.FindSubmatch(v.Query); m != nil {
			names[string(m[1])] = "variable " + v.Name
		}
	}
	return names
}

// scrapedNames returns the metric names in a /metrics exposition.
func scrapedNames(exposition string) map[string]bool {
	names := map[string]bool{}
	for _, l := range strings.Split(exposition, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			names[f[2]] = true
		} else if l != "" && !strings.HasPrefix(l, "#") {
			names[strings.FieldsFunc(l, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
		}
	}
	return names
}

// guestOnly says whether a metric exists only on a director with IPVS (the
// ipvs and sync families: a file with [ipvs] or [sync] does not start
// without IPVS). The IPVS demo's guest test checks these.
func guestOnly(name string) bool {
	return strings.HasPrefix(name, "hadirector_ipvs_") || strings.HasPrefix(name, "hadirector_sync_")
}

// synthetic are the series Prometheus makes itself for every target.
var synthetic = []string{"up", "scrape_duration_seconds", "scrape_samples_scraped"}

// checkNames fails for every shipped name not in the scrape that have says
// the scrape should have.
func checkNames(t *testing.T, exposition string, have func(string) bool) {
	t.Helper()
	got := scrapedNames(exposition)
	checked := 0
	for n, where := range shippedMetricNames(t) {
		if slices.Contains(synthetic, n) || !have(n) {
			continue
		}
		checked++
		if !got[n] {
			t.Errorf("%s names %s, which the daemon does not serve", where, n)
		}
	}
	if checked == 0 {
		t.Error("no shipped metric name was checked")
	}
	t.Logf("%d metric names of the rules and the dashboard found in the scrape", checked)
}

// Every metric the shipped alerting rules and dashboard select is served by
// a running daemon (the VRRP, Go and process families here; the IPVS and
// sync families need IPVS and are checked in the IPVS demo's guest).
func TestShippedMetricNamesServed(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true,
		Extra: "\n[global]\nmetrics_address = \"192.0.2.11:9650\"\n"})
	p.waitState(a, 0, "MASTER")
	// One advert with a bad TTL, so that a drop is counted and its series
	// exists.
	adv := vrrp.Packet{Version: 3, Type: 1, VRID: 51, Priority: 100, AdvertInterval: time.Second,
		Addrs: []netip.Addr{netip.MustParseAddr(vip)}}
	src := netip.MustParseAddr("192.0.2.12")
	b, err := adv.Marshal(src, vrrp.Group)
	must(t, err)
	sendRaw(t, rawSender(t, p.lab, "dB"), src, vrrp.Group, 254, b)
	var out string
	for deadline := time.Now().Add(waitFor); ; {
		out, err = p.lab.Exec("gw", "busybox", "wget", "-q", "-O", "-", "http://192.0.2.11:9650/metrics")
		if err == nil && strings.Contains(out, "hadirector_vrrp_drops_total{") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drop counted in the scrape (%v):\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkNames(t, out, func(n string) bool { return !guestOnly(n) })
}
