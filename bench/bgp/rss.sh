#!/usr/bin/env bash
# Resident memory of a VRRP-only director, built from two commits, and of
# the BGP speaker process: bench/bgp/rss.sh [BASE [RUNS]] (root).
#
# Builds cmd/hadirector as the package does (CGO_ENABLED=0, -trimpath,
# -s -w) from BASE (default main) and from the working tree, and
# cmd/hadirector-bgp from the working tree. Runs each director RUNS times
# (default 5), alternately, with the unit's Go settings (GOMAXPROCS=1
# GOGC=25 GODEBUG=memprofilerate=0,disablethp=1), as a VRRP master of one instance on a
# veth in a namespace of its own, and reads VmRSS 4 s after the start.
# Then runs the working tree's director with [bgp] (one peer that does
# not answer) and reads its VmRSS and its speaker child's. Prints
# min/median/max in KiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=${1:-main}
runs=${2:-5}
export PATH="$PATH:/usr/local/go/bin"
dir=$(mktemp -d)
ns=hadirector-rss-$$
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

build() { # build SRC PKG OUT
  (cd "$1" && CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o "$3" "./cmd/$2")
}
mkdir "$dir/base"
git archive "$base" | tar -x -C "$dir/base"
build "$dir/base" hadirector "$dir/hadirector.base"
build . hadirector "$dir/hadirector.tree"
build . hadirector-bgp "$dir/hadirector-bgp"
ls -l "$dir"/hadirector.base "$dir"/hadirector.tree "$dir"/hadirector-bgp | awk '{ print $5, $9 }'

ip netns add "$ns"
ip -n "$ns" link add va type veth peer name vb
ip -n "$ns" addr add 192.0.2.2/24 dev va
ip -n "$ns" link set va up
ip -n "$ns" link set vb up
ip -n "$ns" link set lo up
cat >"$dir/vrrp.toml" <<'TOML'
[[instance]]
name = "vi1"
interface = "va"
vrid = 51
priority = 100
vips = ["192.0.2.10"]
TOML
cat >"$dir/bgp.toml" <<'TOML'
[bgp]
asn = 65001
router_id = "192.0.2.2"
[[bgp.peer]]
address = "192.0.2.1"
asn = 64512
hold_time = "3s"
[[instance]]
name = "web"
mode = "bgp"
vips = ["203.0.113.10"]
TOML

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# run BIN CONF: starts the director, waits 4 s; sets pid.
run() {
  ip netns exec "$ns" env -i GOMAXPROCS=1 GOGC=25 GODEBUG=memprofilerate=0,disablethp=1 \
    "$1" run -c "$2" -s "$dir/sock" --bgp-speaker "$dir/hadirector-bgp" 2>/dev/null &
  pid=$!
  sleep 4
}
stop() { kill "$pid"; wait "$pid" || true; pid=; }
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%s/%s/%s KiB (min/median/max of %d)\n", v[1], v[int((NR+1)/2)], v[NR], NR }'; }

: >"$dir/base.rss"; : >"$dir/tree.rss"; : >"$dir/bgpdir.rss"; : >"$dir/speaker.rss"
for _ in $(seq "$runs"); do
  for which in base tree; do
    bin=$dir/hadirector.$which
    if [ "$which" = base ]; then
      # BASE's run may not know --bgp-speaker: no such flag for it.
      ip netns exec "$ns" env -i GOMAXPROCS=1 GOGC=25 GODEBUG=memprofilerate=0,disablethp=1 \
        "$bin" run -c "$dir/vrrp.toml" -s "$dir/sock" 2>/dev/null &
      pid=$!
      sleep 4
    else
      run "$bin" "$dir/vrrp.toml"
    fi
    rss "$pid" >>"$dir/$which.rss"
    stop
  done
  run "$dir/hadirector.tree" "$dir/bgp.toml"
  rss "$pid" >>"$dir/bgpdir.rss"
  child=$(cat "/proc/$pid/task/"*/children | tr ' ' '\n' | grep . | head -1)
  rss "$child" >>"$dir/speaker.rss"
  stop
done
echo "VRRP-only director, $base:        $(stats <"$dir/base.rss")"
echo "VRRP-only director, working tree: $(stats <"$dir/tree.rss")"
echo "BGP director (working tree):      $(stats <"$dir/bgpdir.rss")"
echo "its speaker process:              $(stats <"$dir/speaker.rss")"
