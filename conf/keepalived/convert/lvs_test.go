package convert

import (
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/ipvs"
)

// svc returns the only service, failing the test otherwise.
func svc(t *testing.T, c *conf.Config, n int) ipvs.Service {
	t.Helper()
	if len(c.IPVS.Services) != n {
		t.Fatalf("%d services, want %d", len(c.IPVS.Services), n)
	}
	return c.IPVS.Services[0]
}

func TestVirtualServer(t *testing.T) {
	run(t, []convertCase{
		{name: "keepalived's defaults made explicit", in: vi("") + "virtual_server 192.0.2.10 80 {\n real_server 198.51.100.1 8080 {\n }\n}\n",
			notes: []string{"note: virtual_server: no protocol: keepalived 2.2.7 makes it UDP"},
			check: func(t *testing.T, c *conf.Config) {
				s := svc(t, c, 1)
				eq(t, "key", s.Key.String(), "UDP 192.0.2.10:80")
				eq(t, "sched", s.Scheduler, ipvs.WLC)
				eq(t, "quiescent", s.Quiescent, false)
				eq(t, "persistent", s.Persistent, false)
				eq(t, "real", s.Reals[0].Addr.String(), "198.51.100.1:8080")
				eq(t, "forward", s.Reals[0].Forward, ipvs.NAT)
				eq(t, "weight", s.Reals[0].Weight, 1)
				eq(t, "check", s.Reals[0].Check == nil, true)
			}},
		{name: "persistence without a value is 360s", in: vi("") + "virtual_server 192.0.2.10 443 {\n lb_algo sh\n sh-port\n lb_kind DR\n persistence_timeout\n persistence_granularity 255.255.255.0\n inhibit_on_failure\n real_server 198.51.100.1 443 {\n  weight 5\n }\n}\n",
			check: func(t *testing.T, c *conf.Config) {
				s := svc(t, c, 1)
				eq(t, "sched", s.Scheduler, ipvs.Scheduler("sh"))
				eq(t, "hashport", s.HashPort, true)
				eq(t, "persist", s.PersistTimeout, 360*time.Second)
				eq(t, "mask", s.PersistNetmask, 24)
				eq(t, "quiescent", s.Quiescent, true)
				eq(t, "forward", s.Reals[0].Forward, ipvs.DR)
				eq(t, "weight", s.Reals[0].Weight, 5)
			}},
		{name: "persistence with a value", in: vi("") + "virtual_server 192.0.2.10 443 {\n lvs_sched rr\n lvs_method TUN\n persistence_timeout 900\n protocol UDP\n real_server 198.51.100.1 443 {\n }\n}\n",
			check: func(t *testing.T, c *conf.Config) {
				s := svc(t, c, 1)
				eq(t, "key", s.Key.String(), "UDP 192.0.2.10:443")
				eq(t, "persist", s.PersistTimeout, 900*time.Second)
				eq(t, "forward", s.Reals[0].Forward, ipvs.Tunnel)
			}},
		{name: "DR with another port", in: vi("") + "virtual_server 192.0.2.10 80 {\n lb_kind DR\n real_server 198.51.100.1 8080 {\n }\n}\n",
			notes: []string{"note: real_server: port 8080 differs"},
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "real", svc(t, c, 1).Reals[0].Addr.String(), "198.51.100.1:80")
			}},
		{name: "fwmark", in: vi("") + "virtual_server fwmark 7 {\n lb_kind DR\n real_server 198.51.100.1 {\n }\n real_server 198.51.100.2 80 {\n }\n}\n",
			check: func(t *testing.T, c *conf.Config) {
				s := svc(t, c, 1)
				eq(t, "key", s.Key.String(), "FWM 7")
				eq(t, "reals", len(s.Reals), 2)
			}},
		{name: "group with a range", in: vi("") + "virtual_server_group WEB {\n 192.0.2.20-22 80\n 192.0.2.30 443\n fwmark 9\n}\nvirtual_server group WEB {\n protocol TCP\n lb_kind DR\n real_server 198.51.100.1 {\n }\n}\n",
			check: func(t *testing.T, c *conf.Config) {
				var keys []string
				for _, s := range c.IPVS.Services {
					keys = append(keys, s.Key.String())
				}
				eq(t, "keys", strings.Join(keys, ","), "TCP 192.0.2.20:80,TCP 192.0.2.21:80,TCP 192.0.2.22:80,TCP 192.0.2.30:443,FWM 9")
			}},
		{name: "sorry server takes the service's method", in: vi("") + "virtual_server 192.0.2.10 80 {\n lb_kind DR\n sorry_server 198.51.100.99 80\n real_server 198.51.100.1 80 {\n }\n}\n",
			check: func(t *testing.T, c *conf.Config) {
				s := svc(t, c, 1)
				eq(t, "sorry", s.Sorry.Addr.String(), "198.51.100.99:80")
				eq(t, "sorry fwd", s.Sorry.Forward, ipvs.DR)
			}},
		{name: "SCTP is lost", in: vi("") + "virtual_server 192.0.2.10 80 {\n protocol SCTP\n}\n", notes: []string{"LOST: protocol"}, lost: true},
		{name: "IPv6 is lost", in: vi("") + "virtual_server 2001:db8::1 80 {\n}\n", notes: []string{"LOST: virtual_server: not carried: 2001:db8::1 is IPv6"}, lost: true},
		{name: "quorum is a note", in: vi("") + "virtual_server 192.0.2.10 80 {\n quorum 2\n hysteresis 1\n real_server 198.51.100.1 80 {\n }\n}\n", notes: []string{"note: quorum", "note: hysteresis"}},
	})
}

func TestCheckers(t *testing.T) {
	vs := func(body string) string {
		return vi("") + "virtual_server 192.0.2.10 80 {\n lb_kind DR\n delay_loop 6\n real_server 198.51.100.1 80 {\n" + body + " }\n}\n"
	}
	check := func(t *testing.T, c *conf.Config) *ipvs.HealthCheck {
		t.Helper()
		h := svc(t, c, 1).Reals[0].Check
		if h == nil {
			t.Fatal("no check")
		}
		return h
	}
	run(t, []convertCase{
		{name: "HTTP_GET", in: vs("  HTTP_GET {\n   url {\n    path /healthz\n    status_code 204\n    digest 9b3a0c85a887a256d6939da88aabd8cd\n   }\n   url {\n    path /other\n   }\n   connect_timeout 2\n   retry 2\n   connect_port 8080\n  }\n"),
			notes: []string{"note: digest: not carried: an MD5 digest", "note: url: not carried: hadirector checks one URL"},
			check: func(t *testing.T, c *conf.Config) {
				h := check(t, c)
				hc := h.Checker.(ipvs.HTTPCheck)
				eq(t, "path", hc.Path, "/healthz")
				eq(t, "status", hc.Status, 204)
				eq(t, "addr", hc.Addr.String(), "198.51.100.1:8080")
				eq(t, "interval", h.Policy.Interval, 6*time.Second)
				eq(t, "timeout", h.Policy.Timeout, 2*time.Second)
				eq(t, "fall", h.Policy.Fall, 3)
			}},
		{name: "HTTP_GET without status", in: vs("  HTTP_GET {\n   url {\n    path /\n   }\n  }\n"), notes: []string{"note: url: keepalived accepts any 2xx"},
			check: func(t *testing.T, c *conf.Config) {
				h := check(t, c)
				eq(t, "status", h.Checker.(ipvs.HTTPCheck).Status, 200)
				eq(t, "timeout", h.Policy.Timeout, 5*time.Second)
				eq(t, "fall", h.Policy.Fall, 2)
			}},
		{name: "SSL_GET becomes a connect check", in: vs("  SSL_GET {\n   url {\n    path /\n    status_code 200\n   }\n  }\n"), notes: []string{"note: SSL_GET: hadirector's HTTP check has no TLS"},
			check: func(t *testing.T, c *conf.Config) {
				_, ok := check(t, c).Checker.(ipvs.TCPCheck)
				eq(t, "tcp", ok, true)
			}},
		{name: "TCP_CHECK with alpha", in: vs("  alpha\n  TCP_CHECK {\n   connect_port 81\n   connect_timeout 10\n   delay_loop 3\n  }\n"),
			check: func(t *testing.T, c *conf.Config) {
				h := check(t, c)
				eq(t, "addr", h.Checker.(ipvs.TCPCheck).Addr.String(), "198.51.100.1:81")
				eq(t, "interval", h.Policy.Interval, 3*time.Second)
				eq(t, "timeout", h.Policy.Timeout, 3*time.Second)
				eq(t, "start down", h.Policy.StartDown, true)
			}},
		{name: "MISC_CHECK", in: vs("  MISC_CHECK {\n   misc_path \"check-web 198.51.100.1 80\"\n   misc_timeout 4\n   misc_dynamic\n  }\n  TCP_CHECK {\n  }\n"),
			notes: []string{"note: misc_path: \"check-web\" is not an absolute path", "note: misc_dynamic", "note: TCP_CHECK: not carried: hadirector runs one check per real server"},
			check: func(t *testing.T, c *conf.Config) {
				h := check(t, c)
				ec := h.Checker.(ipvs.ExecCheck)
				eq(t, "cmd", ec.Path+" "+strings.Join(ec.Args, " "), "/usr/bin/env check-web 198.51.100.1 80")
				eq(t, "timeout", h.Policy.Timeout, 4*time.Second)
				eq(t, "fall", h.Policy.Fall, 1)
			}},
		{name: "other checkers are a note", in: vs("  DNS_CHECK {\n  }\n"), notes: []string{"note: DNS_CHECK: not carried"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "check", svc(t, c, 1).Reals[0].Check == nil, true) }},
	})
}
