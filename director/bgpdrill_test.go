package director

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/drill"
	"github.com/hadirector/hadirector/internal/nsenter"
)

// streamPort is where each lab director answers the drill's streams:
// every line "SEQ" with "NAME SEQ".
const streamPort = 81

// serveStreams answers the drill's long-lived streams to the VIP in d's
// namespace, naming d in every answer.
func (b *bgpLab) serveStreams(d *labDirector) {
	b.listen(d, fmt.Sprintf(":%d", streamPort), func(c net.Conn) {
		go func() {
			defer c.Close()
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				if _, err := fmt.Fprintf(c, "%s %s\n", d.name, strings.TrimSpace(sc.Text())); err != nil {
					return
				}
			}
		}()
	})
}

// drillBGP runs the BGP drain drill on d, its streams from the client and
// the router asked through vtysh, and checks its report: the router's
// next hops go 3 -> 2 -> 3, the streams d carried do not survive, and the
// host, without IPVS, cannot say which flows moved.
func (b *bgpLab) drillBGP(d *labDirector) {
	t := b.t
	b.serveStreams(b.dirs[0])
	b.serveStreams(b.dirs[1])
	b.serveStreams(b.dirs[2])
	const n = 12
	conns := "/proc/net/ip_vs_conn"
	ctx, cancel := context.WithTimeout(context.Background(), 3*labBound)
	defer cancel()
	r, err := drill.RunBGP(ctx, drill.BGPOptions{
		Socket: d.sock, PingNetns: nsenter.Path(b.l.NS("c")), Streams: n, Port: streamPort,
		Period: 100 * time.Millisecond, Window: time.Second, IPVSConns: conns,
		RouterCmd: fmt.Sprintf("ip netns exec %s vtysh -N %s -c 'show ip route {vip}/32 json'", b.l.NS("r"), b.frr.Name),
	})
	if err != nil {
		t.Fatalf("drill --bgp on %s: %v", d.name, err)
	}
	var text strings.Builder
	r.WriteText(&text)
	t.Logf("drill --bgp on %s:\n%s", d.name, text.String())
	if len(r.Problems) > 0 {
		t.Errorf("the drill's problems: %v", r.Problems)
	}
	if h := r.Router; !h.Asked || h.Before != 3 || h.During != 2 || h.After != 3 {
		t.Errorf("the router's next hops: %+v, want 3 -> 2 -> 3", h)
	}
	if _, err := os.Stat(conns); errors.Is(err, fs.ErrNotExist) && r.FlowsMoved != -1 {
		t.Errorf("flows moved: %d on a host without IPVS, want -1 (unknown)", r.FlowsMoved)
	}
	s := r.Streams
	total := 0
	for _, k := range s.ByServer {
		total += k
	}
	if s.Opened != n || s.Answered != n || total != n {
		t.Errorf("streams: %+v, want %d opened, answered and named", s, n)
	}
	// Once d is withdrawn, the router sends d's streams to a director
	// that holds no connection for them.
	if s.Survived+len(s.Ended) != n || s.Survived > n-s.ByServer[d.name] {
		t.Errorf("streams: %d survived, %d ended, %d carried by %s", s.Survived, len(s.Ended), s.ByServer[d.name], d.name)
	}
	if !strings.Contains(text.String(), "2 during") || !strings.Contains(text.String(), "survived") {
		t.Errorf("the text report lacks the next hops or the streams:\n%s", text.String())
	}
}
