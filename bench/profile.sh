#!/usr/bin/env bash
# bench/profile.sh - `make profile`: where a request's time goes, as evidence for the
# targets in docs/benchmarks.md. Rewrites docs/profile.md.
#
#   1. callgrind: wsgw (Release, with symbols) runs under valgrind; bench/loadgen warms
#      it up, zeroes the counters (--before-measure), runs a fixed number of requests and
#      dumps the counters (--after-measure). The result is user-space instructions per
#      request, split by library, and the functions that cost most. The kernel is not
#      counted here.
#   2. perf (when `perf record` works on this machine): the same requests at full speed on
#      the Release build, sampled; the share of each library and of the kernel.
#
#   bench/profile.sh            about 4 minutes on 2 cores
#   QUICK=1 bench/profile.sh    fewer requests; does not rewrite docs/profile.md
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$ROOT/build-profile
LG=$BUILD/loadgen
CONFIG=$ROOT/fixtures/chat-app.json
WORK=$(mktemp -d /tmp/wsgw-profile.XXXXXX)
QUICK=${QUICK:-0}
OUT=$ROOT/docs/profile.md
[ "$QUICK" = 1 ] && OUT=$WORK/profile.md
PIDS=()

log() { printf '[profile %s] %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v valgrind >/dev/null || { log "valgrind is missing (.ci/install-deps.sh profile)"; exit 1; }

# valgrind cannot reserve LMDB's default 64 GB map: this build maps 1 GB.
log "building wsgw (Release with symbols, 1 GB LMDB map) and the load generator"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DWSGW_TESTS=OFF \
  "-DCMAKE_C_FLAGS=-g -fno-omit-frame-pointer -DSTORE_MAP_SIZE=1073741824" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
cc -O2 -std=gnu11 -Wall -Wextra -o "$LG" bench/loadgen.c

N_DYN=10000; N_ECHO=5000
[ "$QUICK" = 1 ] && { N_DYN=1500; N_ECHO=800; }

# wait_port PORT SECONDS
wait_port() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# callgrind_row NAME SERVE-ARGS -- LOADGEN-ARGS : writes $WORK/NAME.cg and $WORK/NAME.json
callgrind_row() {
  local name=$1 sargs=() largs=() port pid
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done
  shift
  largs=("$@")
  port=$(free_port)
  mkdir -p "$WORK/$name"
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$name/cg.%p" --compress-strings=no \
    --compress-pos=no --collect-atstart=yes \
    "$BUILD/wsgw" serve --config "$CONFIG" --port "$port" --log-level error "${sargs[@]}" \
    >"$WORK/$name.log" 2>&1 </dev/null &
  pid=$!
  PIDS+=("$pid")
  wait_port "$port" 60 || { log "$name: wsgw did not start under valgrind"; cat "$WORK/$name.log" >&2; return 1; }
  "$LG" "${largs[0]}" --port "$port" "${largs[@]:1}" --timeout 600 \
    --before-measure "callgrind_control -z $pid >/dev/null 2>&1" \
    --after-measure "callgrind_control -d $name $pid >/dev/null 2>&1" >"$WORK/$name.json"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # the dump taken by --after-measure is part 1
  cp "$(ls "$WORK/$name"/cg.*.1 | head -1)" "$WORK/$name.cg"
  log "$name: $(cat "$WORK/$name.json")"
}

log "callgrind rows (wsgw under valgrind: about 50 times slower than native)"
callgrind_row GetItem --data-dir "$WORK/d1" -- dynamo --op GetItem --conns 4 --warmup 2 \
  --duration 300 --count "$N_DYN" --seed 42
callgrind_row Query --data-dir "$WORK/d2" -- dynamo --op Query --conns 4 --warmup 2 \
  --duration 300 --count "$N_DYN" --seed 42
callgrind_row PutItem --data-dir "$WORK/d3" -- dynamo --op PutItem --conns 4 --warmup 2 \
  --duration 300 --count "$N_DYN" --seed 42
callgrind_row UpdateItem --data-dir "$WORK/d4" -- dynamo --op UpdateItem --conns 4 --warmup 2 \
  --duration 300 --count "$N_DYN" --seed 42
callgrind_row echo --data-dir "$WORK/d5" -- echo --path /dev --clients 1 --inflight 1 \
  --warmup-count 300 --count "$N_ECHO" --duration 300 --seed 42

# perf_row NAME SERVE-ARGS -- LOADGEN-ARGS : writes $WORK/NAME.perf (dso shares)
PERF=0
if command -v perf >/dev/null && perf record -o "$WORK/probe.data" -- true >/dev/null 2>&1; then
  PERF=1
  cmake -S . -B "$BUILD-native" -DCMAKE_BUILD_TYPE=Release -DWSGW_TESTS=OFF >/dev/null
  cmake --build "$BUILD-native" -j"$(nproc)" >/dev/null
fi
perf_row() {
  local name=$1 sargs=() largs=() port pid lpid
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do sargs+=("$1"); shift; done
  shift
  largs=("$@")
  port=$(free_port)
  "$BUILD-native/wsgw" serve --config "$CONFIG" --port "$port" --log-level error "${sargs[@]}" \
    >"$WORK/$name-native.log" 2>&1 </dev/null &
  pid=$!
  PIDS+=("$pid")
  wait_port "$port" 10 || return 1
  "$LG" "${largs[0]}" --port "$port" "${largs[@]:1}" >"$WORK/$name-native.json" &
  lpid=$!
  sleep 1.5
  perf record -g -o "$WORK/$name.data" -p "$pid" -- sleep 3 >/dev/null 2>&1 || true
  wait "$lpid" || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  perf report -i "$WORK/$name.data" --no-children --sort dso --stdio 2>/dev/null |
    grep -E '^ +[0-9.]+%' >"$WORK/$name.perf" || true
  log "$name (perf): $(head -3 "$WORK/$name.perf" | tr -s ' ' | tr '\n' ';')"
}
if [ "$PERF" = 1 ]; then
  log "perf rows (native speed, 16 connections)"
  perf_row GetItem --data-dir "$WORK/p1" -- dynamo --op GetItem --conns 16 --warmup 1 --duration 5 --seed 43
  perf_row PutItem --data-dir "$WORK/p2" -- dynamo --op PutItem --conns 16 --warmup 1 --duration 5 --seed 43
  perf_row PutItem-in-memory --in-memory -- dynamo --op PutItem --conns 16 --warmup 1 --duration 5 --seed 43
  perf_row echo --data-dir "$WORK/p3" -- echo --path /dev --clients 16 --inflight 4 \
    --warmup-count 2000 --count 2000000 --duration 6 --seed 43
else
  log "perf record does not work here: the perf table is left out"
fi

MACHINE="$(nproc) cores ($(sed -n 's/^model name[^:]*: \([A-Za-z]*\).*/\1/p' /proc/cpuinfo | head -1)), $(uname -sr)"
VERSIONS="wsgw $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- emulator handlers 2>/dev/null || echo ' (with uncommitted changes)'), civetweb $(dpkg-query -W -f='${Version}' libcivetweb-dev 2>/dev/null || echo '?'), cJSON $(dpkg-query -W -f='${Version}' libcjson-dev 2>/dev/null || echo '?'), LMDB $(dpkg-query -W -f='${Version}' liblmdb-dev 2>/dev/null || echo '?'), $(valgrind --version)"
python3 bench/profile_report.py "$WORK" "$OUT" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$MACHINE" \
  "$VERSIONS" "$PERF"
log "wrote $OUT"
[ "$QUICK" = 1 ] && cat "$OUT"
exit 0
