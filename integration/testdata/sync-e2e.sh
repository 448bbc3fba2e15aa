# Runs in the IPVS guest (busybox sh). One guest holds the whole topology,
# each part in its own network namespace with its own IPVS table:
#   cl 198.51.100.2 -- gw (198.51.100.1 | 192.0.2.1) -- br0 -- d1 192.0.2.2, d2 192.0.2.3
#                                                          -- r1 192.0.2.11, r2 192.0.2.12 (DR, VIP on lo)
# d1 (priority 150) and d2 (100) run hadirector with one service on the VIP
# 192.0.2.10:80. Part 1, sync on: a client's connection survives the
# master's link cut, and the return of a rebooted d1 (fail-back after the
# hold). Part 2, sync off: the same link cut breaks the connection.
# Every process is ended by PID. Exit 0 means every step held.
set -u
say() { echo "$(date +%T) $*"; }
fail() {
	say "FAIL: $*"
	for n in d1 d2; do
		echo "--- $n ipvsadm -Lnc"; /usr/bin/ip netns exec $n ipvsadm -Lnc 2>&1
		echo "--- $n addresses"; /usr/bin/ip -n $n addr show dev eth0 2>&1
		echo "--- $n log"; cat /tmp/$n.log
	done
	echo "--- client"; tail -n 20 /tmp/client.out
	echo "--- watch"; cat /tmp/watch.out
	exit 1
}
# until_ok DESC SECONDS CMD...: poll a condition every 100 ms.
until_ok() {
	desc=$1; max=$(($2 * 10)); shift 2; n=0
	while ! "$@" >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -le $max ] || fail "timed out: $desc"
		sleep 0.1
	done
	say "ok: $desc"
}
oks() { grep -c "^ok " /tmp/client.out; }
has_vip() { /usr/bin/ip -n $1 addr show dev eth0 | grep -q "inet 192.0.2.10/32"; }
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT

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
/usr/bin/ip netns exec gw sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
for r in 1 2; do
	port r$r 192.0.2.1$r
	/usr/bin/ip -n r$r addr add 192.0.2.10/32 dev lo
	/usr/bin/ip -n r$r route add default via 192.0.2.1
	/usr/bin/ip netns exec r$r sh -c 'for c in all eth0; do echo 1 > /proc/sys/net/ipv4/conf/$c/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/$c/arp_announce; done'
	/usr/bin/ip netns exec r$r ./connprobe serve -name r$r -addr 0.0.0.0:80 & PIDS="$PIDS $!"
done

# director N PRIO SYNC: (re)boot director dN: a fresh namespace, then
# hadirector with or without [sync]. Sets D1 or D2 to its PID.
director() {
	port d$1 192.0.2.$(($1 + 1))
	/usr/bin/ip -n d$1 route add default via 192.0.2.1
	cat > /tmp/d$1.toml <<EOT
[[instance]]
name = "web"
interface = "eth0"
vrid = 51
priority = $2
advert_interval = "300ms"      # TCG is slow: Master_Down_Interval about 1.1 s
vips = ["192.0.2.10"]

[ipvs]
resync = "5s"

[[service]]
address = "192.0.2.10:80"
scheduler = "rr"
  [service.check]
  type = "tcp"
  interval = "1s"
  timeout = "1s"
  fall = 2
  [[service.real]]
  address = "192.0.2.11"
  [[service.real]]
  address = "192.0.2.12"
EOT
	if [ "$3" = sync ]; then cat >> /tmp/d$1.toml <<EOT

[sync]
instance = "web"
interface = "eth0"
sync_id = 7
failback_quiet = "1s"
failback_max = "30s"
EOT
	fi
	/usr/bin/ip netns exec d$1 ./hadirector run -c /tmp/d$1.toml -s /run/d$1.sock >> /tmp/d$1.log 2>&1 &
	eval D$1=$!
	PIDS="$PIDS $!"
}
# down N: the director dies: hadirector killed, its namespace (and so its
# IPVS table and connections) gone.
down() {
	eval pid=\$D$1
	kill -9 $pid; wait $pid 2>/dev/null
	ip netns del d$1
	# The kernel tears a namespace down in the background: its veth
	# goes with it, a moment later.
	until_ok "d$1's namespace is gone" 60 sh -c "! /usr/bin/ip link show v-d$1"
}
client_start() {
	: > /tmp/client.out
	/usr/bin/ip netns exec cl ./connprobe client -addr 192.0.2.10:80 -every 100ms -timeout 15s > /tmp/client.out 2>&1 &
	C=$!; PIDS="$PIDS $C"
}
# more_oks N: wait until the client has N more answers than now.
more_oks() {
	base=$(oks); want=$((base + $1))
	until_ok "$2: $1 more exchanges on the same connection" 60 sh -c "[ \$(grep -c '^ok ' /tmp/client.out) -ge $want ]"
	grep -q "^broken\|^real changed" /tmp/client.out && fail "$2: $(grep '^broken\|^real changed' /tmp/client.out)"
}
mark() { kill -USR1 $C; until_ok "client mark $1" 10 grep -q "^mark $1 " /tmp/client.out; grep "^mark $1 " /tmp/client.out; }

say "=== part 1: sync on"
director 1 150 sync
until_ok "d1 is master (no peer yet)" 30 has_vip d1
director 2 100 sync
until_ok "d2 runs both sync daemons" 30 sh -c '[ "$(/usr/bin/ip netns exec d2 ipvsadm -L --daemon | wc -l)" = 2 ]'
/usr/bin/ip netns exec d2 ipvsadm -L --daemon
/usr/bin/ip netns exec d2 ./hadirector sync daemons > /tmp/ours
/usr/bin/ip netns exec d2 ipvsadm -L --daemon | cmp - /tmp/ours || fail "sync daemons differ from ipvsadm -L --daemon: $(cat /tmp/ours)"
say "ok: hadirector sync daemons = ipvsadm -L --daemon"
/usr/bin/ip netns exec gw ./hadirector sync watch -i eth0 --hex > /tmp/watch.out 2>&1 & W=$!; PIDS="$PIDS $W"
until_ok "gw routes to the VIP" 30 /usr/bin/ip netns exec cl ping -c 1 -W 1 192.0.2.10

if [ -n "${BENCH:-}" ]; then
	# How fast the pair syncs (bench/sync sets BENCH): BENCH connections opened at once on the
	# master; the time until the backup's table holds them all. Times
	# from /proc/uptime (10 ms steps).
	up() { cut -d' ' -f1 /proc/uptime; }
	t0=$(up)
	/usr/bin/ip netns exec cl ./connprobe flood -addr 192.0.2.10:80 -n $BENCH -c 32 > /tmp/flood.out 2>&1 & F=$!; PIDS="$PIDS $F"
	until_ok "master has $BENCH connections" 120 sh -c "[ \$(/usr/bin/ip netns exec d1 cat /proc/net/ip_vs_conn | grep -c ' C6336402 ') -ge $BENCH ]"
	t1=$(up)
	until_ok "backup has $BENCH connections" 120 sh -c "[ \$(/usr/bin/ip netns exec d2 cat /proc/net/ip_vs_conn | grep -c ' C6336402 ') -ge $BENCH ]"
	t2=$(up)
	cat /tmp/flood.out
	echo "SYNC-BENCH conns=$BENCH master_s=$(awk "BEGIN{print $t1-$t0}") backup_s=$(awk "BEGIN{print $t2-$t0}") backup_lag_s=$(awk "BEGIN{print $t2-$t1}") rate_per_s=$(awk "BEGIN{printf \"%.0f\", $BENCH/($t2-$t0)}")"
	kill $F
	exit 0
fi

client_start
more_oks 20 "before failover"
REAL=$(grep -m1 "^ok " /tmp/client.out | cut -d' ' -f3)
CONN=$(grep "^connected" /tmp/client.out)
say "client: $CONN, served by $REAL"
CPORT=$(echo "$CONN" | sed 's/connected 198.51.100.2:\([0-9]*\) .*/\1/')
until_ok "the connection reached d2's table by sync" 30 sh -c "/usr/bin/ip netns exec d2 ipvsadm -Lnc | grep -q '198.51.100.2:$CPORT *192.0.2.10:80 *192.0.2.1[12]:80'"
/usr/bin/ip netns exec d2 ipvsadm -Lnc
until_ok "sync watch decoded the connection" 30 grep -q "TCP 198.51.100.2:$CPORT -> 192.0.2.10:80 -> 192.0.2.1.:80 ESTABLISHED" /tmp/watch.out
grep -m1 -A1 "TCP 198.51.100.2:$CPORT" /tmp/watch.out

mark 1
say "cutting d1's link"
ip link set v-d1 down
until_ok "d2 took the VIP" 30 has_vip d2
more_oks 20 "after failover"
mark 2
say "d1 dies and boots again"
down 1
director 1 150 sync
until_ok "d1 released its fail-back hold" 60 grep -q "fail-back hold released" /tmp/d1.log
grep "fail-back hold released" /tmp/d1.log
grep -q 'fail-back hold released.*reason=quiet' /tmp/d1.log || fail "d1's hold ended without hearing the table"
until_ok "d1 preempted back" 30 has_vip d1
until_ok "d2 dropped the VIP" 30 sh -c '! /usr/bin/ip -n d2 addr show dev eth0 | grep -q "inet 192.0.2.10/32"'
# d1 heard the connection by sync before it preempted.
/usr/bin/ip netns exec d1 ipvsadm -Lnc | grep -q "198.51.100.2:$CPORT" || fail "d1 lacks the connection"
awk '/fail-back hold released/ {h=NR} /to=MASTER/ {m=NR} END {exit !(h && m && h < m)}' /tmp/d1.log || fail "d1 became master before its hold was released"
more_oks 20 "after fail-back"
mark 3
kill $C; wait $C
tail -n 1 /tmp/client.out
grep -q "^summary .* real $REAL " /tmp/client.out || fail "client summary"
kill $W; wait $W
grep -m1 -A1 "TCP 198.51.100.2:$CPORT.*ESTABLISHED" /tmp/watch.out | sed -n 's/^  hex /SYNC-CAPTURE-TCP /p'
/usr/bin/ip netns exec d1 ./hadirector sync status -s /run/d1.sock || fail "sync status"
say "PART1-OK"

say "=== part 2: sync off"
for n in 1 2; do
	eval pid=\$D$n; kill -TERM $pid; wait $pid
	ip netns del d$n
	until_ok "d$n's namespace is gone" 60 sh -c "! /usr/bin/ip link show v-d$n"
done
: > /tmp/d1.log; : > /tmp/d2.log
director 1 150 nosync
until_ok "d1 is master" 30 has_vip d1
director 2 100 nosync
until_ok "d2 is backup and programmed" 30 sh -c '/usr/bin/ip netns exec d2 ipvsadm -Ln | grep -q 192.0.2.12:80'
client_start
more_oks 20 "before failover, no sync"
/usr/bin/ip netns exec d2 ipvsadm -Lnc | grep -q 198.51.100.2 && fail "d2 has the connection without sync"
mark 1
say "cutting d1's link"
ip link set v-d1 down
until_ok "d2 took the VIP" 30 has_vip d2
until_ok "without sync the connection breaks" 60 grep -q "^broken" /tmp/client.out
grep "^broken" /tmp/client.out
say "SYNC-E2E-OK"
