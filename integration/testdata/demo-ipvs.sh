# Runs in the IPVS guest (busybox sh). First a director with [ipvs] and
# [sync] serves its metrics once, for the names the alerting rules and the
# dashboard use (printed between METRICS-BEGIN and METRICS-END); then
# `hadirector demo` runs whole, with load balancing and connection sync
# (its report between DEMO-BEGIN and DEMO-END). Every process is ended by
# PID.
set -u
say() { echo "$(date +%T) $*"; }
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done' EXIT

ip link add m0 type veth peer name m1
ip addr add 198.51.100.1/24 dev m0
ip link set m0 up
ip link set m1 up
cat > /tmp/m.toml <<EOT
[global]
metrics_address = "127.0.0.1:9650"

[[instance]]
name = "web"
interface = "m0"
vrid = 51
priority = 100
advert_interval = "1s"
vips = ["198.51.100.100"]

[[service]]
address = "198.51.100.100:80"
  [[service.real]]
  address = "198.51.100.2"

[sync]
instance = "web"
interface = "m0"
EOT
./hadirector run -c /tmp/m.toml -s /run/m.sock > /tmp/m.log 2>&1 & M=$!; PIDS="$PIDS $M"
n=0
until wget -q -O /tmp/metrics http://127.0.0.1:9650/metrics 2>/dev/null &&
	grep -q '^hadirector_ipvs_last_reconcile_timestamp_seconds ' /tmp/metrics &&
	grep -q '^hadirector_sync_daemon_running{role="backup"} 1' /tmp/metrics; do
	n=$((n + 1))
	if [ $n -gt 300 ]; then say "FAIL: no IPVS and sync metrics"; cat /tmp/m.log; exit 1; fi
	sleep 0.1
done
echo METRICS-BEGIN
cat /tmp/metrics
echo METRICS-END
kill $M; wait $M
ip link del m0

say "hadirector demo"
./hadirector demo > /tmp/demo.out 2>&1; rc=$?
echo DEMO-BEGIN
cat /tmp/demo.out
echo DEMO-END
[ $rc = 0 ] || { say "FAIL: demo exited $rc"; exit 1; }
say "DEMO-IPVS-OK"
