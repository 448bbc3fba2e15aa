# Runs in the IPVS guest (busybox sh). One guest holds the whole topology,
# each part in its own network namespace (IPVS and its sync threads are
# per namespace):
#   cl 198.51.100.2 -- gw (198.51.100.1 | 192.0.2.1) -- br0 -- d1 .2, d2 .3, d3 .4
#                                                          -- r1 .11, r2 .12 (DR, VIP on lo)
# gw is the router: 192.0.2.10/32 by a multipath route over d1, d2, d3
# (hash-threshold, L4 hash), as zebra installs what BGP gives it. The
# directors run hadirector in BGP mode (VIP on lo, no router to talk to:
# the test moves gw's next hops itself). 200 streams from cl exchange a
# line every 2 s; a packet socket on each director says which
# director carried each stream.
#
# Run "mh": mh + mh-port, sloppy_tcp, [sync] on every director; phases:
#   drain   d1 drained and taken out of the route
#   undrain d1 back in the route
#   crash   d3 killed (SIGKILL, its namespace gone), then out of the route
# Run "wlc": wlc, sloppy_tcp off, no [sync]; phase drain.
# The Go test (ecmp_guest_test.go) reads the lines starting "@" and
# judges; the script fails only when a step does not happen.
set -u
say() { echo "$(date +%T) $*"; }
fail() {
	say "FAIL: $*"
	for d in d1 d2 d3; do
		echo "--- $d ipvsadm -Ln"; /usr/bin/ip netns exec $d ipvsadm -Ln 2>&1
		echo "--- $d lo"; /usr/bin/ip -n $d addr show dev lo 2>&1
		echo "--- $d log"; tail -n 30 /tmp/$d.log 2>&1
	done
	echo "--- client"; tail -n 30 /tmp/client.out 2>&1
	exit 1
}
# until_ok DESC SECONDS CMD...: poll a condition every 100 ms, for at
# most SECONDS of the guest's clock (each poll is slow under emulation).
until_ok() {
	desc=$1; deadline=$(($(date +%s) + $2)); shift 2
	while ! "$@" >/dev/null 2>&1; do
		[ $(date +%s) -le $deadline ] || fail "timed out: $desc"
		sleep 0.1
	done
	say "ok: $desc"
}
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT
VIP=192.0.2.10

ip link add br0 type bridge
ip link set br0 up
# port NS ADDR: a namespace on the LAN with eth0 at ADDR/24.
port() {
	ip netns add $1
	ip link add v-$1 type veth peer name eth0 netns $1
	ip link set v-$1 master br0 up
	/usr/bin/ip -n $1 link set lo up
	/usr/bin/ip -n $1 addr add $2/24 dev eth0
	/usr/bin/ip -n $1 link set eth0 up
	[ $1 = gw ] || /usr/bin/ip -n $1 route add default via 192.0.2.1
}
port gw 192.0.2.1
ip netns add cl
ip link add gw1 netns gw type veth peer name eth0 netns cl
/usr/bin/ip -n gw addr add 198.51.100.1/24 dev gw1
/usr/bin/ip -n gw link set gw1 up
/usr/bin/ip -n cl addr add 198.51.100.2/24 dev eth0
/usr/bin/ip -n cl link set eth0 up
/usr/bin/ip -n cl link set lo up
/usr/bin/ip -n cl route add default via 198.51.100.1
# The client's sockets keep their hash: Linux draws a new one on a
# retransmission (the router then sends the stream to another director),
# which makes the streams' directors before a change uncertain here.
/usr/bin/ip netns exec cl sh -c 'echo 0 > /proc/sys/net/core/txrehash' || say "no net.core.txrehash: streams may change director on a retransmission"
/usr/bin/ip netns exec gw sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv4/fib_multipath_hash_policy'
for r in 1 2; do
	port r$r 192.0.2.1$r
	/usr/bin/ip -n r$r addr add $VIP/32 dev lo
	/usr/bin/ip netns exec r$r sh -c 'for c in all eth0; do echo 1 > /proc/sys/net/ipv4/conf/$c/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/$c/arp_announce; done'
	/usr/bin/ip netns exec r$r ./connprobe serve -name r$r -addr 0.0.0.0:80 & PIDS="$PIDS $!"
done

# route D...: gw's route to the VIP over the given directors.
route() {
	hops=""
	for d in "$@"; do hops="$hops nexthop via 192.0.2.$((${d#d} + 1))"; done
	/usr/bin/ip -n gw route replace $VIP/32 $hops || fail "route $*"
	/usr/bin/ip -n gw route show $VIP/32
}

# director N RUN: boot director dN for the run: a fresh namespace, the
# packet watcher, then hadirector. Sets DN (hadirector) and SN (watcher).
director() {
	n=$1
	port d$n 192.0.2.$((n + 1))
	if [ "$2" = mh ]; then sched='scheduler = "mh"
scheduler_flags = ["mh-port"]'; sloppy=true; else sched='scheduler = "wlc"'; sloppy=false; fi
	cat > /tmp/d$n.toml <<EOT
[bgp]
asn = 65001
router_id = "192.0.2.$((n + 1))"
[[bgp.peer]]
address = "192.0.2.1"
asn = 65000

[[instance]]
name = "lb"
mode = "bgp"
vips = ["$VIP"]

[ipvs]
sloppy_tcp = $sloppy

[[service]]
address = "$VIP:80"
$sched
  [service.check]
  type = "none"        # the real servers stay up: not what this test is about
  [[service.real]]
  address = "192.0.2.11"
  [[service.real]]
  address = "192.0.2.12"
EOT
	if [ "$2" = mh ]; then cat >> /tmp/d$n.toml <<EOT

[sync]
interface = "eth0"
sync_id = 25
EOT
	fi
	: > /tmp/seen-d$n.out
	/usr/bin/ip netns exec d$n ./connprobe seen -i eth0 -dst $VIP:80 -name d$n > /tmp/seen-d$n.out 2>&1 &
	eval S$n=$!; PIDS="$PIDS $!"
	/usr/bin/ip netns exec d$n ./hadirector run -c /tmp/d$n.toml -s /run/d$n.sock > /tmp/d$n.log 2>&1 &
	eval D$n=$!; PIDS="$PIDS $!"
}
ready() {
	/usr/bin/ip -n $1 addr show dev lo | grep -q "inet $VIP/32" &&
	[ "$(/usr/bin/ip netns exec $1 ipvsadm -Ln | grep -c ' Route  *1 ')" = 2 ]
}
# gone N: dN dies as a host does: its link first (a namespace being torn
# down answers with resets for a moment, as no dead host does), then
# hadirector and the watcher, its namespace (IPVS table, connections) last.
gone() {
	eval d=\$D$1 s=\$S$1
	ip link set v-d$1 down
	kill -9 $d; wait $d 2>/dev/null
	kill -TERM $s; wait $s
	ip netns del d$1
	until_ok "d$1's namespace is gone" 60 sh -c "! /usr/bin/ip link show v-d$1"
}
# established NS: how many of cl's connections NS's IPVS table holds.
established() { /usr/bin/ip netns exec $1 cat /proc/net/ip_vs_conn | grep -c ' C6336402 .* ESTABLISHED '; }
MARK=0
# mark: client mark MARK+1, once every live stream exchanged after it.
mark() {
	MARK=$((MARK + 1))
	kill -USR1 $C
	until_ok "client mark $MARK" 60 grep -q "^mark $MARK " /tmp/client.out
	grep "^mark $MARK " /tmp/client.out
}
EPOCH=0
# epoch D...: the watchers of the given directors begin epoch EPOCH+1.
epoch() {
	EPOCH=$((EPOCH + 1))
	for d in "$@"; do
		eval kill -USR1 \$S${d#d}
		until_ok "$d's watcher in epoch $EPOCH" 10 grep -q "^epoch $EPOCH\$" /tmp/seen-$d.out
	done
}
# gap: the watchers begin the epoch in which the next change happens:
# the one before it ends, holding only packets from before the change.
gap() { epoch $LIVE; }
# phase RUN NAME D...: the route to the directors D... (after gap and the
# phase's act), then the transition epoch while every stream exchanges
# once, then the settled epoch while every stream exchanges once more.
phase() {
	run=$1 name=$2; shift 2
	route "$@"
	epoch $LIVE
	mark
	epoch $LIVE
	mark
	echo "@$run phase $name $(echo "$*" | tr ' ' ,) $((EPOCH - 1)) $EPOCH $((MARK - 2)) $MARK"
}

# run RUN: the directors for RUN, 200 streams, the phases, the lines the
# Go test reads, and the directors' end.
run() {
	run=$1
	say "=== run $run"
	MARK=0 EPOCH=0 LIVE="d1 d2 d3"
	for n in 1 2 3; do director $n $run; done
	for n in 1 2 3; do until_ok "d$n's watcher listens" 30 grep -q "^epoch 0" /tmp/seen-d$n.out; done
	for n in 1 2 3; do until_ok "d$n holds the VIP on lo and both real servers" 60 ready d$n; done
	# The directors of a run before had other MACs: gw forgets them.
	/usr/bin/ip -n gw neigh flush dev eth0
	route d1 d2 d3
	: > /tmp/client.out
	/usr/bin/ip netns exec cl ./connprobe streams -addr $VIP:80 -n 200 -every 2s -timeout 30s > /tmp/client.out 2>&1 &
	C=$!; PIDS="$PIDS $C"
	until_ok "the streams opened" 120 grep -q "^open " /tmp/client.out
	grep -q "^open 200\$" /tmp/client.out || fail "$(grep "^open " /tmp/client.out) streams of 200 opened"
	if [ $run = mh ]; then
		for n in 1 2 3; do
			grep "^broken\|^changed" /tmp/client.out && fail "streams broke before any change"
			until_ok "d$n holds all 200 connections (its own and synced)" 60 sh -c "[ \$(/usr/bin/ip netns exec d$n cat /proc/net/ip_vs_conn | grep -c ' C6336402 .* ESTABLISHED ') -ge 200 ]"
		done
		/usr/bin/ip netns exec d1 ipvsadm -L --daemon
	fi
	# The settled epoch before the first change: the streams' set-up
	# (a SYN sent again takes a new hash, so another director) is over.
	epoch $LIVE
	mark
	for n in 1 2 3; do say "d$n's table: $(established d$n) connections of cl"; done

	say "--- $run: drain d1"
	gap
	/usr/bin/ip netns exec d1 ./hadirector drain -s /run/d1.sock || fail "drain d1"
	phase $run drain d2 d3
	if [ $run = mh ]; then
		say "--- $run: undrain d1"
		gap
		/usr/bin/ip netns exec d1 ./hadirector undrain -s /run/d1.sock || fail "undrain d1"
		phase $run undrain d1 d2 d3
		say "--- $run: crash d3"
		gap
		gone 3
		LIVE="d1 d2"
		phase $run crash d1 d2
	fi
	kill -TERM $C; wait $C
	for d in $LIVE; do gone ${d#d}; done
	sed "s/^/@$run client /" /tmp/client.out
	for n in 1 2 3; do grep "^seen \|^drops " /tmp/seen-d$n.out | sed "s/^/@$run /"; done
	say "run $run done"
}

run mh
run wlc
say "ECMP-SURVIVAL-DONE"
