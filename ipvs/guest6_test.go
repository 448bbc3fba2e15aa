package ipvs

import (
	"bytes"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
)

// The IPv6 lab in the guest: the director (the guest's own namespace) holds
// the VIP on d0 and routes between a client namespace and a real servers'
// namespace, each behind a veth.
var (
	client6     = netip.MustParseAddr("2001:db8:1::100")
	clientGW6   = "2001:db8:1::1"
	realGW6     = "2001:db8:2::1"
	realNAT6    = netip.MustParseAddr("2001:db8:2::11") // the NAT real server that answers
	realNATIdle = netip.MustParseAddr("2001:db8:2::13") // a NAT real server at weight 0
	realDR6     = netip.MustParseAddr("2001:db8:2::12") // the DR real server that answers
	realDRIdle  = netip.MustParseAddr("2001:db8:2::14")
)

// guestNS6 makes namespace name with a veth to the director: host side
// hostIf with gw/64, namespace side "eth0" with addrs (/64) and a default
// route via gw. Duplicate address detection is off on both ends, so that
// every address, link-local ones too, is usable at once.
func guestNS6(tb testing.TB, name, hostIf, gw string, addrs ...netip.Addr) {
	tb.Helper()
	ipvsGuestRun(tb, "ip", "netns", "add", name)
	tb.Cleanup(func() { ipvsGuestTry("ip", "netns", "del", name) })
	ipvsGuestRun(tb, "ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", name)
	tb.Cleanup(func() { ipvsGuestTry("ip", "link", "del", hostIf) })
	noDAD := func(ifname string) error {
		return os.WriteFile("/proc/sys/net/ipv6/conf/"+ifname+"/accept_dad", []byte("0"), 0)
	}
	if err := noDAD(hostIf); err != nil {
		tb.Fatal(err)
	}
	if err := nsenter.Do(nsenter.Path(name), func() error { return noDAD("eth0") }); err != nil {
		tb.Fatal(err)
	}
	ipvsGuestRun(tb, "ip", "addr", "add", gw+"/64", "dev", hostIf, "nodad")
	ipvsGuestRun(tb, "ip", "link", "set", hostIf, "up")
	for _, a := range addrs {
		ipvsGuestRun(tb, "ip", "-n", name, "addr", "add", a.String()+"/64", "dev", "eth0", "nodad")
	}
	ipvsGuestRun(tb, "ip", "-n", name, "link", "set", "eth0", "up")
	ipvsGuestRun(tb, "ip", "-n", name, "link", "set", "lo", "up")
	ipvsGuestRun(tb, "ip", "-n", name, "-6", "route", "add", "default", "via", gw)
}

// ipv6Table is the IPv6 table of the test at step 0, 1 or 2: a TCP
// service with NAT real servers (a port map; the second at weight 0, 5,
// then 0 again), a UDP service with DR ones (persistent from step 1, one
// fewer at step 2), and an IPv6 firewall-mark service.
func ipv6Table(step int) []Service {
	natIdle := []int{0, 5, 0}[step]
	drReals := []Real{{Addr: ap(realDR6, 53), Forward: DR, Weight: 2}, {Addr: ap(realDRIdle, 53), Forward: DR, Weight: 3}}
	udp := Service{Key: ServiceKey{Proto: UDP, Addr: ap(vip6, 53)}, Scheduler: RR}
	if step >= 1 {
		drReals[0].Weight = 7
		udp.Persistent, udp.PersistNetmask = true, 64
	}
	if step >= 2 {
		drReals = drReals[:1]
	}
	udp.Reals = drReals
	return []Service{
		{Key: ServiceKey{Proto: TCP, Addr: ap(vip6, 80)}, Scheduler: WLC, Reals: []Real{
			{Addr: ap(realNAT6, 8080), Forward: NAT, Weight: 1},
			{Addr: ap(realNATIdle, 8080), Forward: NAT, Weight: natIdle},
		}},
		udp,
		{Key: FWMarkKey(6, true), Scheduler: SH, Reals: []Real{{Addr: ap(realDRIdle, 0), Forward: DR, Weight: 1}}},
	}
}

// hasLine reports whether listing has a line whose fields begin with want.
func hasLine(listing string, want ...string) bool {
	for _, l := range strings.Split(listing, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(want) && strings.Join(f[:len(want)], " ") == strings.Join(want, " ") {
			return true
		}
	}
	return false
}

// TestInGuestIPv6Services programs IPv6 virtual services (TCP and UDP, NAT
// and DR real servers, an IPv6 firewall mark) through the reconciler,
// changes weights, persistence and the real servers, and compares the
// whole table with ipvsadm -Ln after each step; then it sends a TCP
// connection from a client namespace through the IPv6 VIP to the NAT real
// server and a UDP exchange to the DR one, and lists the connections as
// ipvsadm -Lnc does.
func TestInGuestIPv6Services(t *testing.T) {
	k := ipvsGuestKernel(t)
	table := ipvsGuestWholeTable(t, k)
	guestNS6(t, "cl6", "v6c", clientGW6, client6)
	guestNS6(t, "real6", "v6r", realGW6, realNAT6, realNATIdle, realDR6, realDRIdle)
	ipvsGuestRun(t, "ip", "addr", "add", vip6.String()+"/128", "dev", "d0", "nodad")
	// The DR real server takes the VIP's packets: the VIP on its loopback.
	ipvsGuestRun(t, "ip", "-n", "real6", "addr", "add", vip6.String()+"/128", "dev", "lo", "nodad")
	fwd := "/proc/sys/net/ipv6/conf/all/forwarding"
	was, err := os.ReadFile(fwd)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fwd, []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(fwd, was, 0) })

	r := NewReconciler(k, nil)
	t.Cleanup(func() { r.Reconcile(nil) })
	check := func(step string, want ...[]string) string {
		t.Helper()
		adm := table(t, step)
		for _, w := range want {
			if !hasLine(adm, w...) {
				t.Errorf("%s: ipvsadm -Ln has no line %q:\n%s", step, strings.Join(w, " "), adm)
			}
		}
		return adm
	}
	for step, want := range [][][]string{
		{{"TCP", "[2001:db8::10]:80", "wlc"}, {"->", "[2001:db8:2::11]:8080", "Masq", "1"}, {"->", "[2001:db8:2::13]:8080", "Masq", "0"},
			{"UDP", "[2001:db8::10]:53", "rr"}, {"->", "[2001:db8:2::12]:53", "Route", "2"}, {"->", "[2001:db8:2::14]:53", "Route", "3"},
			{"FWM", "6", "IPv6", "sh"}},
		{{"->", "[2001:db8:2::13]:8080", "Masq", "5"}, {"UDP", "[2001:db8::10]:53", "rr", "persistent", "300", "mask", "64"},
			{"->", "[2001:db8:2::12]:53", "Route", "7"}},
		{{"->", "[2001:db8:2::13]:8080", "Masq", "0"}, {"->", "[2001:db8:2::12]:53", "Route", "7"}},
	} {
		name := []string{"add", "weights and persistence", "a real server removed"}[step]
		if _, err := r.Reconcile(ipv6Table(step)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		adm := check(name, want...)
		if step == 2 && strings.Contains(adm, "2001:db8:2::14]:53") {
			t.Errorf("%s: [2001:db8:2::14]:53 is still listed:\n%s", name, adm)
		}
	}

	// Traffic: the NAT real server answers with the address it was reached
	// on; the DR one, bound to the VIP, echoes from it.
	var tcpL net.Listener
	var udpC net.PacketConn
	if err := nsenter.Do(nsenter.Path("real6"), func() error {
		var err error
		if tcpL, err = net.Listen("tcp6", "[::]:8080"); err != nil {
			return err
		}
		udpC, err = net.ListenPacket("udp6", netip.AddrPortFrom(vip6, 53).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer tcpL.Close()
	defer udpC.Close()
	go func() {
		for {
			c, err := tcpL.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "real "+c.LocalAddr().(*net.TCPAddr).AddrPort().Addr().String())
			c.Close()
		}
	}()
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := udpC.ReadFrom(buf)
			if err != nil {
				return
			}
			udpC.WriteTo(append([]byte("dr "), buf[:n]...), from)
		}
	}()
	var tcpGot, udpGot []byte
	var tcpLocal, udpLocal netip.AddrPort
	if err := nsenter.Do(nsenter.Path("cl6"), func() error {
		d := net.Dialer{Timeout: 10 * time.Second}
		c, err := d.Dial("tcp6", netip.AddrPortFrom(vip6, 80).String())
		if err != nil {
			return err
		}
		defer c.Close()
		tcpLocal = c.LocalAddr().(*net.TCPAddr).AddrPort()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if tcpGot, err = io.ReadAll(c); err != nil {
			return err
		}
		u, err := d.Dial("udp6", netip.AddrPortFrom(vip6, 53).String())
		if err != nil {
			return err
		}
		defer u.Close()
		udpLocal = u.LocalAddr().(*net.UDPAddr).AddrPort()
		u.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := u.Write([]byte("hello")); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := u.Read(buf)
		udpGot = buf[:n]
		return err
	}); err != nil {
		t.Fatalf("client through [%s]: %v", vip6, err)
	}
	if want := "real " + realNAT6.String(); string(tcpGot) != want {
		t.Errorf("TCP through the VIP: %q, want %q", tcpGot, want)
	}
	if string(udpGot) != "dr hello" {
		t.Errorf("UDP through the VIP: %q, want \"dr hello\"", udpGot)
	}

	// Both ends have closed the TCP connection; the kernel's entry moves on
	// to TIME_WAIT as the last packets pass. Compare with ipvsadm once it is
	// there, where it stays for minutes, not while it may still move.
	var conns []Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if conns, err = ReadConns(); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(conns, func(c Conn) bool { return c.Client == tcpLocal && c.State == "TIME_WAIT" }) ||
			time.Now().After(deadline) {
			break
		}
	}
	var sawTCP, sawUDP bool
	for _, c := range conns {
		sawTCP = sawTCP || c.Protocol == "TCP" && c.Client == tcpLocal && c.Virtual == ap(vip6, 80) && c.Dest == ap(realNAT6, 8080)
		sawUDP = sawUDP || c.Protocol == "UDP" && c.Client == udpLocal && c.Virtual == ap(vip6, 53) && c.Dest == ap(realDR6, 53)
	}
	if !sawTCP || !sawUDP {
		t.Errorf("connections %+v: want TCP %s -> [%s]:80 -> %s:8080 (%v) and UDP %s -> [%s]:53 -> %s:53 (%v)",
			conns, tcpLocal, vip6, realNAT6, sawTCP, udpLocal, vip6, realDR6, sawUDP)
	}
	var got bytes.Buffer
	if err := FormatConns(&got, conns); err != nil {
		t.Fatal(err)
	}
	if adm := ipvsGuestRun(t, "ipvsadm", "-Lnc"); maskExpiry(got.String()) != maskExpiry(adm) {
		t.Errorf("FormatConns:\n%s\nipvsadm -Lnc:\n%s", got.String(), adm)
	}
	check("after traffic", []string{"TCP", "[2001:db8::10]:80", "wlc"})

	if _, err := r.Reconcile(nil); err != nil {
		t.Fatal(err)
	}
	if adm := check("all removed"); strings.Contains(adm, "2001:db8") {
		t.Errorf("IPv6 services left:\n%s", adm)
	}
}
