# Runs in the IPVS guest (busybox sh): for each case in /etc/cases, keepalived
# (checkers only) on /etc/ka/CASE.conf, then hadirector on its conversion
# /etc/hd/CASE.toml, must each bring the kernel's table to /etc/want/CASE
# (ipvsadm -Sn, sorted) and, if /etc/want/CASE.timeout exists, the timeouts
# to it. Every process started is ended by PID. Exit 0: every case held.
set -u
fail() {
	echo "FAIL: $*"
	echo "--- ipvsadm -Sn"; ipvsadm -Sn
	echo "--- log"; cat /tmp/log
	exit 1
}
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT
ip link add v0 type veth peer name v1
ip addr add 192.0.2.1/24 dev v0
ip addr add 198.51.100.1/24 dev v0
ip link set v0 up
ip link set v1 up
mkdir -p /run/keepalived /etc/keepalived

# table_is CASE: the kernel's table (and timeouts) are the wanted ones, polled
# every 50 ms for at most 20 s, as the checks take their time.
table_is() {
	n=0
	while :; do
		ipvsadm -Sn | sort > /tmp/got
		ok=1
		cmp -s /tmp/got "/etc/want/$1" || ok=0
		if [ -f "/etc/want/$1.timeout" ]; then
			ipvsadm -Ln --timeout | cmp -s - "/etc/want/$1.timeout" || ok=0
		fi
		[ $ok = 1 ] && return 0
		n=$((n + 1))
		[ $n -le 400 ] || { echo "--- want"; cat "/etc/want/$1"; echo "--- got"; cat /tmp/got; ipvsadm -Ln --timeout; return 1; }
		sleep 0.05
	done
}
stop() {
	kill "$1"
	n=0
	while kill -0 "$1" 2>/dev/null; do
		n=$((n + 1)); [ $n -le 200 ] || { kill -9 "$1"; break; }
		sleep 0.05
	done
}

for c in $(cat /etc/cases); do
	ipvsadm -C
	ipvsadm --set 900 120 300
	keepalived --dont-fork --log-console --check --use-file "/etc/ka/$c.conf" \
		--pid "/run/keepalived/$c.pid" --checkers_pid "/run/keepalived/$c-checkers.pid" > /tmp/log 2>&1 & K=$!
	PIDS="$K"
	table_is "$c" || fail "$c: keepalived's table"
	echo "ok: $c: keepalived's table"
	cat /tmp/got
	C=$(cat "/run/keepalived/$c-checkers.pid")
	PIDS="$K $C"
	stop "$K"
	kill -0 "$C" 2>/dev/null && stop "$C"
	ipvsadm -C

	./hadirector run -c "/etc/hd/$c.toml" -s /run/h.sock > /tmp/log 2>&1 & D=$!
	PIDS="$D"
	table_is "$c" || fail "$c: hadirector's table"
	echo "ok: $c: hadirector's table"
	stop "$D"
	PIDS=""
done
echo CONVERT-IPVS-OK
