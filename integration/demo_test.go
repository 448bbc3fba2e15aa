package integration

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/internal/ipvsfamily"
)

// between returns the console's text between the lines begin and end.
func between(t *testing.T, console, begin, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(console, begin+"\n")
	text, _, ok2 := strings.Cut(rest, end+"\n")
	if !ok || !ok2 {
		t.Fatalf("the console lacks %s ... %s", begin, end)
	}
	return text
}

// TestDemoIPVSInGuest runs `hadirector demo` in a guest whose kernel has
// IPVS: the report shows the client's requests balanced across both real
// servers and a long-lived connection surviving the failover and the
// fail-back through connection sync. The same guest checks that the IPVS
// and sync metrics the alerting rules and the dashboard use are served by
// a director with [ipvs] and [sync]. Steps in testdata/demo-ipvs.sh.
//
// HADIRECTOR_DEMO_REPORT=FILE saves the demo's report.
func TestDemoIPVSInGuest(t *testing.T) {
	needLab(t)
	files := staticBinaries(t, map[string]string{"hadirector": "../cmd/hadirector"})
	console := runGuestScript(t, "demo-ipvs.sh", "DEMO-IPVS-OK", []string{"bridge"}, files)

	checkNames(t, between(t, console, "METRICS-BEGIN", "METRICS-END"), guestOnly)

	demo := between(t, console, "DEMO-BEGIN", "DEMO-END")
	if f := os.Getenv("HADIRECTOR_DEMO_REPORT"); f != "" {
		must(t, os.WriteFile(f, []byte(demo), 0o644))
	}
	for _, want := range []string{
		`two directors, a gateway, a client and two real servers`,
		`10 requests from the client to 192\.0\.2\.100:80, a new connection each: answered 5 by r1 \(192\.0\.2\.21\), 5 by r2 \(192\.0\.2\.22\)`,
		`a long-lived connection 192\.0\.2\.50:\d+ -> 192\.0\.2\.100:80 is served by (r1|r2); connection sync put it in dB's table: TCP .* ESTABLISHED 192\.0\.2\.50:\d+ 192\.0\.2\.100:80 192\.0\.2\.2[12]:80`,
		`link of dA cut: dB is MASTER`,
		`the long-lived connection answered again through dB, [0-9.]+m?s after the cut, from (r1|r2): same connection, same real server`,
		`the long-lived connection answered again through dA, [0-9.]+m?s after the link came back, from (r1|r2): same connection, same real server`,
		`hadirector drill \(unplanned\)`,
		`hadirector drill \(planned\)`,
		`both directors stopped on SIGTERM`,
	} {
		if !regexp.MustCompile(want).MatchString(demo) {
			t.Errorf("the demo's report lacks %q", want)
		}
	}
	if strings.Contains(demo, "no load balancing") {
		t.Error("the demo saw no IPVS in the guest")
	}
}

// TestDemoWithoutIPVS runs `hadirector demo` on this host, whose kernel has
// no IPVS: one line says so and the VRRP part runs whole.
func TestDemoWithoutIPVS(t *testing.T) {
	needLab(t)
	if _, err := ipvsfamily.Lookup(); err == nil {
		t.Skip("this kernel has IPVS: TestDemoIPVSInGuest shows the demo with it")
	}
	t.Parallel()
	out, err := exec.Command(binary, "demo").CombinedOutput()
	report := string(out)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, report)
	}
	t.Logf("demo:\n%s", report)
	if n := strings.Count(report, "IPVS"); n != 1 || !regexp.MustCompile(`(?m)^  no load balancing or connection sync shown: this kernel has no IPVS \(.*\); .*$`).MatchString(report) {
		t.Errorf("the demo mentions IPVS %d times, want one line saying it is missing", n)
	}
	for _, want := range []string{"cold election: dA", "link of dA cut: dB is MASTER", "link restored: dA preempted back",
		"hadirector drill (unplanned)", "hadirector drill (planned)", "both directors stopped on SIGTERM"} {
		if !strings.Contains(report, want) {
			t.Errorf("the demo's report lacks %q", want)
		}
	}
	if strings.Contains(report, "real server") || strings.Contains(report, "long-lived") {
		t.Error("the demo showed an LVS part without IPVS")
	}
}
