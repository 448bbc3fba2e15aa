#!/usr/bin/env bash
# capture-keepalived.sh: record VRRP advertisements sent by the real keepalived, as
# golden wire vectors for the vrrp package tests (vrrp/testdata/*.pcap).
#
# Usage (as root): scripts/capture-keepalived.sh [OUTDIR [NAME...]]
#   OUTDIR defaults to vrrp/testdata (relative to the repository root); NAMEs, if given,
#   pick the scenarios to capture (default all). KEEPALIVED names the binary: the
#   v3_checksum_as_v2 scenario needs keepalived 2.2.8 or later (Debian 12 has 2.2.7).
#
# Lab: two network namespaces joined by a veth pair, addresses from 192.0.2.0/24,
# 2001:db8::/64 and link-local only.
#   ns A: "va", 192.0.2.11/24, 2001:db8::11/64, fe80::ff:fe00:11, MAC 02:00:00:00:00:11
#         (keepalived runs here, priority 150, VRID 51)
#   ns B: "vb", 192.0.2.12/24, 2001:db8::12/64, fe80::ff:fe00:12, MAC 02:00:00:00:00:12
#         (tcpdump captures here what A sends)
# For each scenario the script writes a keepalived config, starts tcpdump in B (filter: IP
# protocol 112, stops by itself after a few frames), starts keepalived in A with its own pid
# files, waits for tcpdump, then stops keepalived by PID. The trap removes everything (processes
# by PID, namespaces, temp dir) even on failure or Ctrl-C.
set -euo pipefail

OUT=${1:-vrrp/testdata}
shift || true
ONLY=" $* "
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
NS_A=hdcap-a-$$
NS_B=hdcap-b-$$
WORK=$(mktemp -d /tmp/hdcap.XXXXXX)
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || { echo "capture-keepalived.sh: must run as root" >&2; exit 1; }
mkdir -p "$OUT"

ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link add va address 02:00:00:00:00:11 type veth peer name vb netns "$NS_B" address 02:00:00:00:00:12
ip -n "$NS_A" addr add 192.0.2.11/24 dev va
ip -n "$NS_B" addr add 192.0.2.12/24 dev vb
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" addr add 2001:db8::11/64 dev va nodad
ip -n "$NS_B" addr add 2001:db8::12/64 dev vb nodad
ip -n "$NS_A" link set va up
ip -n "$NS_B" link set vb up
# The link-local addresses (EUI-64 from the MACs) pass DAD about 2 s after link-up;
# keepalived sends IPv6 adverts from va's, so wait until it is no longer tentative.
for i in $(seq 100); do
	ip -n "$NS_A" -6 addr show dev va scope link | grep -q tentative || break
	sleep 0.1
done
ip -n "$NS_A" -6 addr show dev va scope link | grep -q 'fe80::ff:fe00:11/64' || {
	echo "capture-keepalived.sh: no link-local address on va" >&2
	exit 1
}

# write_conf FILE VERSION ADVERT_INT AUTH(none|pass) VIPS UNICAST(yes|no) [CHECKSUM(pseudo|v2)]
write_conf() {
	local file=$1 version=$2 advert=$3 auth=$4 vips=$5 unicast=$6 checksum=${7:-pseudo} vip
	{
		echo "global_defs {"
		echo "    router_id hdcap_a"
		echo "}"
		echo "vrrp_instance VI_51 {"
		echo "    state MASTER"
		echo "    interface va"
		echo "    virtual_router_id 51"
		echo "    priority 150"
		echo "    advert_int $advert"
		echo "    version $version"
		if [ "$checksum" = v2 ]; then
			echo "    v3_checksum_as_v2"
		fi
		if [ "$auth" = pass ]; then
			echo "    authentication {"
			echo "        auth_type PASS"
			echo "        auth_pass s3cret"
			echo "    }"
		fi
		if [ "$unicast" = yes ] && [[ "$vips" == *:* ]]; then
			echo "    unicast_src_ip 2001:db8::11"
			echo "    unicast_peer {"
			echo "        2001:db8::12"
			echo "    }"
		elif [ "$unicast" = yes ]; then
			echo "    unicast_src_ip 192.0.2.11"
			echo "    unicast_peer {"
			echo "        192.0.2.12"
			echo "    }"
		fi
		echo "    virtual_ipaddress {"
		for vip in $vips; do
			case $vip in
			fe80:*) echo "        $vip/64 dev va" ;;
			*:*) echo "        $vip/128 dev va" ;;
			*) echo "        $vip/24 dev va" ;;
			esac
		done
		echo "    }"
		echo "}"
	} >"$file"
}

# capture NAME FRAMES VERSION ADVERT_INT AUTH VIPS UNICAST
capture() {
	local name=$1 frames=$2 conf="$WORK/$1.conf" tcpdump_pid ka_pid i
	shift 2
	if [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]]; then
		return 0
	fi
	write_conf "$conf" "$@"
	echo "== $name" >&2

	# -Z root: keep root so the file can be written anywhere; -U: write each frame at once.
	ip netns exec "$NS_B" tcpdump -i vb -Z root -U -n -c "$frames" -w "$WORK/$name.pcap" 'ip proto 112 or ip6 proto 112' \
		2>"$WORK/$name.tcpdump.log" &
	tcpdump_pid=$!
	PIDS+=("$tcpdump_pid")
	sleep 1 # let tcpdump open the socket before keepalived speaks

	# ip netns exec execs keepalived in place, so $! is keepalived's own PID.
	ip netns exec "$NS_A" "$KEEPALIVED" -n -l -D -P -f "$conf" \
		-p "$WORK/$name.keepalived.pid" -r "$WORK/$name.vrrp.pid" \
		>"$WORK/$name.keepalived.log" 2>&1 &
	ka_pid=$!
	PIDS+=("$ka_pid")

	# Wait up to 20 s for tcpdump to collect its frames.
	for i in $(seq 200); do
		kill -0 "$tcpdump_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$tcpdump_pid" 2>/dev/null; then
		echo "capture $name: tcpdump did not get $frames frames; keepalived log:" >&2
		cat "$WORK/$name.keepalived.log" >&2
		exit 1
	fi
	wait "$tcpdump_pid" || true
	kill -TERM "$ka_pid"
	wait "$ka_pid" || true
	PIDS=() # both reaped: never signal these PIDs again
	# Remove the VIPs keepalived may have left behind before the next scenario.
	ip -n "$NS_A" -4 addr flush dev va
	ip -n "$NS_A" addr add 192.0.2.11/24 dev va
	ip -n "$NS_A" -6 addr flush dev va scope global
	ip -n "$NS_A" -6 addr del fe80::1:100/64 dev va 2>/dev/null || true
	ip -n "$NS_A" addr add 2001:db8::11/64 dev va nodad
	install -m 0644 "$WORK/$name.pcap" "$OUT/$name.pcap"
}

#        name                    frames version advert auth  vips                                  unicast checksum
capture vrrp_v2_auth_pass        3      2       1      pass  "192.0.2.100"                         no
capture vrrp_v2_3vips            3      2       1      none  "192.0.2.100 192.0.2.101 192.0.2.102" no
capture vrrp_v3_3vips            3      3       1      none  "192.0.2.100 192.0.2.101 192.0.2.102" no
capture vrrp_v3_100ms            10     3       0.1    none  "192.0.2.100"                         no
capture vrrp_v2_unicast          3      2       1      none  "192.0.2.100"                         yes
capture vrrp_v3_unicast          3      3       1      none  "192.0.2.100"                         yes
capture vrrp_v3_checksum_as_v2   3      3       1      none  "192.0.2.100 192.0.2.101"             no      v2
capture vrrp_v3_ipv6             3      3       1      none  "2001:db8::100"                       no
capture vrrp_v3_ipv6_linklocal   3      3       1      none  "fe80::1:100 2001:db8::100 2001:db8::101" no
capture vrrp_v3_ipv6_100ms       10     3       0.1    none  "2001:db8::100"                       no
capture vrrp_v3_ipv6_unicast     3      3       1      none  "2001:db8::100"                       yes

echo "captures written to $OUT" >&2
