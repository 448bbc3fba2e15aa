# Runs in the IPVS guest (busybox sh): the director hadirector in the root
# namespace on v0, two busybox httpd real servers in the namespace rs, and
# a service of someone else's that hadirector must leave alone. Every
# process it starts is ended by PID. Exit 0 means every step held.
set -u
fail() {
	echo "FAIL: $*"
	echo "--- ipvsadm -Ln"; ipvsadm -Ln
	echo "--- processes"; ps
	echo "--- listening in rs"; ip netns exec rs netstat -tln
	echo "--- hadirector log"; cat /tmp/h.log
	exit 1
}
# until DESC CMD...: wait for a condition the daemon brings about, polling
# the kernel's state every 50 ms for at most 15 s.
until_ok() {
	desc=$1; shift; n=0
	while ! "$@" >/dev/null 2>&1; do
		n=$((n + 1)); [ $n -le 300 ] || fail "timed out: $desc"
		sleep 0.05
	done
	echo "ok: $desc"
}
has() { ipvsadm -Ln | grep -Eq "$1"; }
hasnt() { ! ipvsadm -Ln | grep -Eq "$1"; }
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT

ip netns add rs
ip link add v0 type veth peer name v1
ip link set v1 netns rs
ip addr add 198.51.100.1/24 dev v0
ip link set v0 up
ip -n rs addr add 198.51.100.11/24 dev v1
ip -n rs addr add 198.51.100.12/24 dev v1
ip -n rs link set v1 up
ip -n rs link set lo up
mkdir -p /www && echo ok > /www/index.html
/usr/bin/ip netns exec rs httpd -f -p 198.51.100.11:80 -h /www & H1=$!  # the binary, not the shell function: $! is httpd
/usr/bin/ip netns exec rs httpd -f -p 198.51.100.12:80 -h /www & H2=$!  # the binary, not the shell function: $! is httpd
PIDS="$H1 $H2"

ipvsadm -A -t 203.0.113.5:443 -s rr
ipvsadm -a -t 203.0.113.5:443 -r 198.51.100.50:443 -g -w 1

./hadirector run -c /etc/hadirector.toml -s /run/h.sock > /tmp/h.log 2>&1 & D=$!
PIDS="$PIDS $D"

until_ok "master holds the VIP" sh -c 'ip addr show dev v0 | grep -q "inet 192.0.2.10/32"'
until_ok "both real servers in, at their weights" sh -c '
	ipvsadm -Ln | grep -Eq "198.51.100.11:80 +Route +2 " &&
	ipvsadm -Ln | grep -Eq "198.51.100.12:80 +Route +1 " &&
	[ "$(ipvsadm -Ln | grep -Ec "198.51.100.1[12]:443 +Route +1 ")" = 2 ]'

./hadirector ipvs list > /tmp/ours || fail "hadirector ipvs list"
ipvsadm -Ln > /tmp/theirs
cmp /tmp/ours /tmp/theirs || { cat /tmp/ours; fail "ipvs list differs from ipvsadm -Ln"; }
echo "ok: hadirector ipvs list = ipvsadm -Ln"
cat /tmp/ours
./hadirector ipvs list --timeout > /tmp/ours || fail "ipvs list --timeout"
[ "$(cat /tmp/ours)" = "Timeout (tcp tcpfin udp): 900 120 300" ] || fail "timeouts: $(cat /tmp/ours)"
ipvsadm -Ln --timeout | cmp - /tmp/ours || fail "ipvs list --timeout differs from ipvsadm"
echo "ok: timeouts set as ipvsadm --set 900 120 300"
./hadirector ipvs list --stats --exact > /tmp/ours || fail "ipvs list --stats"
grep -q "InBytes" /tmp/ours || fail "no stats header"

echo "killing $H2"; kill $H2
until_ok "failed real server quiescent in :80, removed from :443" sh -c '
	ipvsadm -Ln | grep -Eq "198.51.100.12:80 +Route +0 " &&
	! ipvsadm -Ln | grep -q "198.51.100.12:443"'
./hadirector status -s /run/h.sock > /tmp/st || fail "status"
cat /tmp/st
grep -q "IPVS: 2 services, 2/4 real servers up" /tmp/st || fail "status summary"
grep -q "down: TCP 192.0.2.10:80 -> 198.51.100.12:80" /tmp/st || fail "status names the down server"

/usr/bin/ip netns exec rs httpd -f -p 198.51.100.12:80 -h /www & H2=$!  # the binary, not the shell function: $! is httpd
PIDS="$PIDS $H2"
until_ok "recovered real server back in both" sh -c '
	ipvsadm -Ln | grep -Eq "198.51.100.12:80 +Route +1 " &&
	ipvsadm -Ln | grep -Eq "198.51.100.12:443 +Route +1 "'

ipvsadm -d -t 192.0.2.10:80 -r 198.51.100.11:80
until_ok "real server deleted behind our back is restored at resync" has "198.51.100.11:80 +Route +2 "

has "203.0.113.5:443 rr" || fail "the foreign service was touched"
has "198.51.100.50:443 +Route +1 " || fail "the foreign real server was touched"
echo "ok: the foreign service is untouched"

kill -TERM $D
wait $D; rc=$?
[ $rc = 0 ] || fail "hadirector exited $rc on SIGTERM"
ip addr show dev v0 | grep -q "192.0.2.10/32" && fail "the VIP stayed after SIGTERM"
has "192.0.2.10:80 wrr" || fail "the table was removed on exit"
echo "ok: SIGTERM released the VIP and left the table programmed"
echo "IPVS-DAEMON-OK"
