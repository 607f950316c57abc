#!/usr/bin/env bash
# bench/run.sh - `make bench`: wsgw side by side with dynalite (DynamoDB rows) and
# serverless-offline 13 on serverless 3 (WebSocket rows), in one run: wsgw with its C chat
# handlers in process, and with the Node chat functions of bench/node-chat out of process,
# the same file serverless-offline runs. Prints the table and rewrites docs/benchmarks.md.
# Only 127.0.0.1; every server is killed at exit.
#
#   bench/run.sh            the full run (about 8 to 12 minutes on 2 cores)
#   QUICK=1 bench/run.sh    shorter phases, smaller counts; does not rewrite docs/benchmarks.md
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=$ROOT/build-bench
PEERS=$ROOT/bench/peers
WORK=$(mktemp -d /tmp/wsgw-bench.XXXXXX)
RESULTS=$WORK/results.jsonl
LG=$BUILD/loadgen
CONFIG=$ROOT/fixtures/chat-app.json
QUICK=${QUICK:-0}
PIDS=()

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -TERM -- "-$p" 2>/dev/null || true
  done
  sleep 0.5
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] && kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop PID: SIGTERM to its process group, SIGKILL after a grace period (seconds)
stop() {
  local pid=$1 grace=${2:-5} i
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    # an exited child stays a zombie until it is waited for: it is gone
    case "$(ps -o stat= -p "$pid" 2>/dev/null)" in Z*) wait "$pid" 2>/dev/null || true; return 0 ;; esac
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_wsgw NAME ARGS... : sets WSGW_PID and WSGW_PORT (the port comes from the banner);
# WSGW_CONFIG=FILE start_wsgw ... serves another config than fixtures/chat-app.json
start_wsgw() {
  local name=$1 i
  shift
  local dd=(--data-dir "$WORK/$name/data") a
  for a in "$@"; do [ "$a" = --in-memory ] && dd=(); done
  mkdir -p "$WORK/$name"
  TMPDIR="$WORK" setsid "$BUILD/wsgw" serve --config "${WSGW_CONFIG:-$CONFIG}" --port 0 "${dd[@]}" "$@" \
    >"$WORK/$name.log" 2>&1 </dev/null &
  WSGW_PID=$!
  PIDS+=("$WSGW_PID")
  for ((i = 0; i < 200; i++)); do
    WSGW_PORT=$(sed -n 's|.*ready on http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/$name.log" 2>/dev/null || true)
    [ -n "$WSGW_PORT" ] && return 0
    sleep 0.05
  done
  log "wsgw $name did not start:"; cat "$WORK/$name.log" >&2
  return 1
}

# start_dynalite NAME : sets DYN_PID and DYN_PORT
start_dynalite() {
  local i
  DYN_PORT=$(free_port)
  setsid node "$PEERS/node_modules/dynalite/cli.js" --port "$DYN_PORT" --createTableMs 0 \
    --deleteTableMs 0 --updateTableMs 0 >"$WORK/$1.log" 2>&1 </dev/null &
  DYN_PID=$!
  PIDS+=("$DYN_PID")
  for ((i = 0; i < 200; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$DYN_PORT/" 2>/dev/null && return 0
    (exec 3<>"/dev/tcp/127.0.0.1/$DYN_PORT") 2>/dev/null && return 0
    sleep 0.05
  done
  log "dynalite did not start"; return 1
}

SLS_ENV=()
sls_env() { # the serverless-offline ports and the DynamoDB backend
  SLS_WS_PORT=$(free_port); SLS_HTTP_PORT=$(free_port); SLS_LAMBDA_PORT=$(free_port)
  SLS_ENV=(WS_PORT="$SLS_WS_PORT" HTTP_PORT="$SLS_HTTP_PORT" LAMBDA_PORT="$SLS_LAMBDA_PORT"
    AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$1" WS_MGMT_ENDPOINT="http://127.0.0.1:$SLS_WS_PORT"
    SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off AWS_REGION=us-east-1
    AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local)
}

# a failed row is a result, not the end of the run
lg() { "$LG" "$@" | tee -a "$RESULTS" || log "loadgen $1 ($*) exited with an error"; }

# ------------------------------------------------------------------ build
log "building wsgw (Release) and the load generator"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DWSGW_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
cc -O2 -std=gnu11 -Wall -Wextra -o "$LG" bench/loadgen.c
cc -O2 -std=gnu11 -Wall -Wextra -o "$BUILD/ceiling" bench/ceiling.c -lcivetweb

log "peers from npm (bench/peers, lockfile)"
RESOLVED=$(grep -c '"resolved"' "$PEERS/package-lock.json" || true)
[ "$RESOLVED" = 0 ] || log "WARNING: bench/peers/package-lock.json has $RESOLVED 'resolved' URLs"
if [ ! -f "$PEERS/node_modules/.wsgw-stamp" ] ||
   [ "$PEERS/package-lock.json" -nt "$PEERS/node_modules/.wsgw-stamp" ]; then
  (cd "$PEERS" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$PEERS/node_modules/.wsgw-stamp"
fi

# The Node chat app (bench/node-chat/handler.js), the same file on serverless-offline
# (serverless.yml beside it) and on wsgw (wsgw.json beside it); @aws-sdk resolves from the peers.
NODE_APP=$ROOT/bench/node-chat
NODE_CONFIG=$NODE_APP/wsgw.json
ln -sfn ../peers/node_modules "$NODE_APP/node_modules"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "open files: $(ulimit -n)"
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

if [ "$QUICK" = 1 ]; then
  START_RUNS=3; SLS_START_RUNS=1; WARM=0.5; DUR=1.5; ROUNDS=1; CONNECT_N=500; BIG=2000; R100=10; R1K=5; R10K=2
  SLS_BIG=1000; COLD_RUNS=2; STREAM_LAT=50; STREAM_N=2000
else
  START_RUNS=7; SLS_START_RUNS=3; WARM=1; DUR=3; ROUNDS=3; CONNECT_N=2000; BIG=10000; R100=30; R1K=20; R10K=5
  SLS_BIG=10000; COLD_RUNS=5; STREAM_LAT=200; STREAM_N=20000
fi

# --------------------------------------------------------------- start-up
log "start-up: wsgw, default settings, $START_RUNS runs"
for ((i = 0; i < START_RUNS; i++)); do
  rm -rf "$WORK/startup"
  lg startup --label wsgw --timeout 20 --rss-delay-ms 500 -- \
    "$BUILD/wsgw" serve --config "$CONFIG" --port 0 --data-dir "$WORK/startup"
done

log "start-up: serverless-offline, $SLS_START_RUNS runs (its DynamoDB: dynalite)"
start_dynalite dyn-sls-start
"$LG" mktable --port "$DYN_PORT" --table Connections
sls_env "$DYN_PORT"
for ((i = 0; i < SLS_START_RUNS; i++)); do
  (cd "$NODE_APP" && env "${SLS_ENV[@]}" "$LG" startup --label serverless-offline --path / \
    --port "$SLS_WS_PORT" --timeout 60 --rss-delay-ms 500 -- \
    node node_modules/serverless/bin/serverless.js offline 2>>"$WORK/sls-start.log") |
    tee -a "$RESULTS"
done
stop "$DYN_PID"

# --------------------------------------------------------------- DynamoDB
# Four servers side by side, measured in interleaved rounds (each op on each server in turn,
# ROUNDS times; the report takes the median), so that drift on a shared machine hits all alike.
# ExecuteStatement is the GetItem read as PartiQL (SELECT * ... WHERE pk = .. AND sk = ..), side by
# side with GetItem; dynalite has no PartiQL, so it runs on the wsgw servers only.
OPS="PutItem GetItem ExecuteStatement Query Scan UpdateItem"
stats() { curl -sf "http://127.0.0.1:$1/_wsgw/stats" || echo '{}'; }
# bytes the process has caused to be written to the disk (Linux /proc/PID/io)
wbytes() { local v; v=$(awk '/^write_bytes:/ {print $2}' "/proc/$1/io" 2>/dev/null || true); echo "${v:-0}"; }
log "DynamoDB: wsgw durable, --no-sync, --in-memory and dynalite, $ROUNDS interleaved rounds"
start_wsgw ddb-durable
D_PORT=$WSGW_PORT; D_PID=$WSGW_PID
start_wsgw ddb-nosync --no-sync
N_PORT=$WSGW_PORT; N_PID=$WSGW_PID
start_wsgw ddb-inmem --in-memory
M_PORT=$WSGW_PORT; M_PID=$WSGW_PID
start_dynalite dyn-bench
for ((r = 0; r < ROUNDS; r++)); do
  for op in $OPS; do
    for target in "wsgw-durable $D_PORT" "wsgw-nosync $N_PORT" "wsgw-inmem $M_PORT" "dynalite $DYN_PORT"; do
      set -- $target
      [ "$op" = ExecuteStatement ] && [ "$1" = dynalite ] && continue
      # the group-commit counters around the durable write rows (warm-up included)
      S0=$(stats "$2"); W0=$(wbytes "$D_PID")
      lg dynamo --label "$1" --port "$2" --op "$op" --conns 16 --warmup "$WARM" --duration "$DUR" \
        --seed $((42 + r)) --timeout 60
      if [ "$1" = wsgw-durable ]; then
        case $op in PutItem | UpdateItem)
          echo "{\"mode\":\"groupcommit\",\"label\":\"wsgw-durable\",\"op\":\"$op\",\"before\":$S0,\"after\":$(stats "$2"),\"disk_bytes\":$(($(wbytes "$D_PID") - ${W0:-0}))}" |
            tee -a "$RESULTS" ;;
        esac
      fi
    done
  done
done
stop "$D_PID"; stop "$N_PID"; stop "$M_PID"; stop "$DYN_PID"

# ------------------------------------------------- the floor: civetweb alone, the disk
log "floor: civetweb alone (bench/ceiling.c), and the disk under the data directory"
CEIL_PORT=$(free_port)
setsid "$BUILD/ceiling" "$CEIL_PORT" 64 >"$WORK/ceiling.log" 2>&1 </dev/null &
CEIL_PID=$!
PIDS+=("$CEIL_PID")
for ((i = 0; i < 100; i++)); do grep -q ready "$WORK/ceiling.log" && break; sleep 0.05; done
lg dynamo --label ceiling --port "$CEIL_PORT" --op GetItem --conns 16 --warmup "$WARM" \
  --duration "$DUR" --seed 42 --timeout 60
lg echo --label ceiling --port "$CEIL_PORT" --path /ws --clients 1 --inflight 1 \
  --warmup-count 500 --count 5000 --duration 5 --timeout 40
lg echo --label ceiling --port "$CEIL_PORT" --path /ws --clients 16 --inflight 4 \
  --warmup-count 2000 --count 200000 --duration 5 --timeout 40
stop "$CEIL_PID"
lg fsync --label disk --path "$WORK" --duration 2

# -------------------------------------------------------------- WebSocket
ws_rows() { # LABEL WS_PORT PATH DDB_PORT SERVER_PID BIG R10K
  local label=$1 port=$2 path=$3 ddb=$4 pid=$5 big=$6 rbig=$7
  lg echo --label "$label" --port "$port" --path "$path" --clients 1 --inflight 1 \
    --warmup-count 500 --count 5000 --duration 5 --timeout 40
  lg echo --label "$label" --port "$port" --path "$path" --clients 16 --inflight 4 \
    --warmup-count 2000 --count 50000 --duration 5 --timeout 40
  lg connect --label "$label" --port "$port" --path "$path" --clients "$CONNECT_N" \
    --connect-inflight 32 --hold 1 --server-pid "$pid" --timeout 60
  lg fanout --label "$label" --port "$port" --path "$path" --clients 100 --repeats "$R100" \
    --warmup-repeats 3 --ddb-port "$ddb" --server-pid "$pid" --repeat-timeout 10 --timeout 120
  lg fanout --label "$label" --port "$port" --path "$path" --clients 1000 --repeats "$R1K" \
    --warmup-repeats 2 --ddb-port "$ddb" --server-pid "$pid" --repeat-timeout 20 --timeout 150
  [ "$big" -gt 0 ] || return 0
  lg fanout --label "$label" --port "$port" --path "$path" --clients "$big" --repeats "$rbig" \
    --warmup-repeats 1 --ddb-port "$ddb" --server-pid "$pid" --repeat-timeout 30 \
    --handshake-timeout 20 --timeout 240
}

# --max-connections holds exactly N WebSockets: the fan-out's clients plus its sender.
log "WebSocket: wsgw durable (default), --max-connections $((BIG + 1))"
start_wsgw ws-durable --max-connections "$((BIG + 1))"
ws_rows wsgw "$WSGW_PORT" /dev "$WSGW_PORT" "$WSGW_PID" "$BIG" "$R10K"
# Its 10,001 connections each run $disconnect, a durable DeleteItem on an invoker thread of
# its own, before it exits: about 9 s here.
stop "$WSGW_PID" 20

log "WebSocket: wsgw --no-sync, connect rate only"
start_wsgw ws-nosync --no-sync --max-connections "$((BIG + 1))"
lg connect --label wsgw-nosync --port "$WSGW_PORT" --path /dev --clients "$CONNECT_N" \
  --connect-inflight 32 --hold 1 --server-pid "$WSGW_PID" --timeout 60
stop "$WSGW_PID" 3

# ------------------------------------------- DynamoDB Streams: the channel chat app
# fixtures/channels-app.json: the Messages table's stream drives channels.broadcast through
# an event source mapping; one subscriber, writes by PutItem (loadgen stream).
log "DynamoDB Streams: the channel chat app, commit to frame and records/s"
if WSGW_CONFIG=$ROOT/fixtures/channels-app.json start_wsgw streams; then
  lg stream --label wsgw --port "$WSGW_PORT" --path /dev --warmup-count 20 --repeats "$STREAM_LAT" \
    --count "$STREAM_N" --conns 16 --duration 30 --repeat-timeout 5 --timeout 60
  stop "$WSGW_PID" 5
else
  echo '{"mode":"stream","label":"wsgw","error":"wsgw did not start with fixtures/channels-app.json"}' | tee -a "$RESULTS"
fi

# ------------------------------------------ WebSocket: the Node functions on wsgw
# bench/node-chat/wsgw.json: the same Node chat functions as serverless-offline runs, out of
# process (a pool of `node` processes per function, at most 32), plus the in-process C
# diag.echo on route "cecho" in the same server: the invocation overhead, measured side by side.
#
# node_coldstarts PHASE SERVER...: the cold starts (initDurationMs) in the invocation logs of
# the servers, one line. A server's log is saved after each step (node_invlog SERVER PORT), as
# it keeps only the last 10,000 invocations; its entries are told apart by their seq.
INVLOGS=0
node_invlog() {
  curl -sf "http://127.0.0.1:$2/_wsgw/invocations" >"$WORK/invlog-$1-$((++INVLOGS)).json" ||
    log "wsgw (Node): no invocation log from $1"
}
node_coldstarts() {
  local phase=$1 server f files=()
  shift
  for server in "$@"; do
    for f in "$WORK/invlog-$server-"*.json; do [ -f "$f" ] && files+=("$server=$f"); done
  done
  node -e '
    const fs = require("fs")
    const [phase, ...files] = process.argv.slice(1)
    const init = {}, seen = new Set(), servers = new Set()
    for (const sf of files) {
      const server = sf.slice(0, sf.indexOf("=")), file = sf.slice(sf.indexOf("=") + 1)
      let log = []
      try { log = JSON.parse(fs.readFileSync(file, "utf8")) } catch {}
      servers.add(server)
      for (const e of Array.isArray(log) ? log : []) {
        if (typeof e.initDurationMs !== "number" || seen.has(`${server}/${e.seq}`)) continue
        seen.add(`${server}/${e.seq}`)
        ;(init[e.handler] = init[e.handler] || []).push(e.initDurationMs)
      }
    }
    console.log(JSON.stringify({ mode: "coldstart", label: "wsgw-node", phase, servers: servers.size, init_ms: init }))
  ' "$phase" "${files[@]}" | tee -a "$RESULTS" || log "wsgw (Node): no cold starts for $phase"
}
node_skip() { # REASON: the Node rows are skipped, the run goes on
  local why=${1//[\"\\]/\'}
  log "wsgw (Node functions): skipped: $why"
  printf '{"mode":"note","label":"wsgw-node","error":"the Node rows were skipped: %s"}\n' "$why" | tee -a "$RESULTS"
}
NODE_WARM=$WORK/node-warmup.jsonl # the warm-up's own output, not results

log "WebSocket: wsgw with the Node functions, cold starts, $COLD_RUNS fresh servers"
NODE_OK=1
COLD_SERVERS=()
for ((i = 0; i < COLD_RUNS && NODE_OK; i++)); do
  if ! WSGW_CONFIG=$NODE_CONFIG start_wsgw "ws-node-cold-$i" --in-memory; then
    NODE_OK=0; node_skip "wsgw did not start with bench/node-chat/wsgw.json"; break
  fi
  # one at a time, each function's first invocation starts its first process: $connect and
  # echo, then $disconnect, then (handshakes one by one) $connect warm and sendmessage
  "$LG" echo --label cold --port "$WSGW_PORT" --path /dev --clients 1 --inflight 1 --warmup-count 0 \
    --count 1 --duration 30 --timeout 60 >>"$NODE_WARM" || true
  if ! tail -1 "$NODE_WARM" | grep -q '"received":1,'; then
    NODE_OK=0; tail -20 "$WORK/ws-node-cold-$i.log" >&2
    node_skip "the Node echo function did not answer its first message (the tail of the wsgw log is in the output of bench/run.sh)"
    stop "$WSGW_PID" 5; break
  fi
  sleep 1
  "$LG" fanout --label cold --port "$WSGW_PORT" --path /dev --clients 1 --connect-inflight 1 --repeats 1 \
    --warmup-repeats 0 --ddb-port "$WSGW_PORT" --repeat-timeout 30 --timeout 90 >>"$NODE_WARM" || true
  sleep 1
  node_invlog "ws-node-cold-$i" "$WSGW_PORT"
  COLD_SERVERS+=("ws-node-cold-$i")
  stop "$WSGW_PID" 5
done
[ "${#COLD_SERVERS[@]}" = 0 ] || node_coldstarts alone "${COLD_SERVERS[@]}"

if [ "$NODE_OK" = 1 ]; then
  # As many WebSockets as the C server: the functions' own HTTP connections to wsgw
  # (DynamoDB, @connections) need civetweb workers too, and WebSockets hold theirs.
  log "WebSocket: wsgw with the Node functions, durable (default), --max-connections $((BIG + 1))"
  WSGW_CONFIG=$NODE_CONFIG start_wsgw ws-node --max-connections "$((BIG + 1))" || NODE_OK=0
  [ "$NODE_OK" = 1 ] || node_skip "wsgw did not start with bench/node-chat/wsgw.json"
fi
if [ "$NODE_OK" = 1 ]; then
  # Warm the pools first: the loads of the rows below, shorter, so that every pool holds the
  # processes its row will use.
  log "wsgw (Node): warming the pools"
  node_warm() {
    "$LG" "$@" --label warm --port "$WSGW_PORT" --path /dev >>"$NODE_WARM" || true
    sleep 1 # the $disconnect invocations of the closed connections
    node_invlog ws-node "$WSGW_PORT"
  }
  node_warm connect --clients 500 --connect-inflight 32 --hold 0.5 --timeout 120
  node_warm echo --clients 16 --inflight 4 --warmup-count 2000 --count 2000 --duration 30 --timeout 90
  node_warm fanout --clients 100 --repeats 3 --warmup-repeats 0 --ddb-port "$WSGW_PORT" \
    --repeat-timeout 20 --timeout 120
  node_coldstarts warmup ws-node
  # the processes each pool holds now (wsgw's children, by AWS_LAMBDA_FUNCTION_NAME)
  for c in $(pgrep -P "$WSGW_PID" || true); do
    tr '\0' '\n' <"/proc/$c/environ" 2>/dev/null | sed -n 's/^AWS_LAMBDA_FUNCTION_NAME=//p'
  done | sort | uniq -c | awk 'BEGIN { printf "{\"mode\":\"pools\",\"label\":\"wsgw-node\",\"procs\":{" }
    { printf "%s\"%s\":%d", (NR > 1 ? "," : ""), $2, $1 } END { print "}}" }' | tee -a "$RESULTS"
  # the rows of wsgw and serverless-offline, without the largest fan-out
  ws_rows wsgw-node "$WSGW_PORT" /dev "$WSGW_PORT" "$WSGW_PID" 0 0
  # The invocation overhead: the Node echo function and the in-process C diag.echo (route
  # cecho) in the same server, in interleaved rounds (the report takes the median round).
  for ((r = 0; r < ROUNDS; r++)); do
    for a in echo cecho; do
      lg echo --label wsgw-node-overhead --action "$a" --port "$WSGW_PORT" --path /dev --clients 1 \
        --inflight 1 --warmup-count 300 --count 3000 --duration 3 --timeout 40
    done
    for a in echo cecho; do
      lg echo --label wsgw-node-overhead --action "$a" --port "$WSGW_PORT" --path /dev --clients 16 \
        --inflight 4 --warmup-count 1000 --count 30000 --duration 3 --timeout 40
    done
  done
  if ! kill -0 "$WSGW_PID" 2>/dev/null; then
    echo '{"mode":"note","label":"wsgw-node","error":"wsgw had exited by the end of its rows"}' | tee -a "$RESULTS"
  fi
  stop "$WSGW_PID" 20
fi

log "WebSocket: serverless-offline (useInProcess; its DynamoDB: dynalite)"
start_dynalite dyn-sls
"$LG" mktable --port "$DYN_PORT" --table Connections
sls_env "$DYN_PORT"
(cd "$NODE_APP" && exec env "${SLS_ENV[@]}" setsid node node_modules/serverless/bin/serverless.js \
  offline >"$WORK/sls.log" 2>&1 </dev/null) &
SLS_PID=$!
PIDS+=("$SLS_PID")
for ((i = 0; i < 600; i++)); do
  grep -q 'websocket\] listening' "$WORK/sls.log" 2>/dev/null && break
  sleep 0.1
done
# the process group leader is the setsid'ed node process (exec keeps the pid)
ws_rows serverless-offline "$SLS_WS_PORT" / "$DYN_PORT" "$SLS_PID" "$SLS_BIG" 2 ||
  log "serverless-offline: a row failed (see the JSON lines)"
if ! kill -0 "$SLS_PID" 2>/dev/null; then
  echo '{"mode":"note","label":"serverless-offline","error":"the process had exited by the end of the run"}' |
    tee -a "$RESULTS"
fi
stop "$SLS_PID" 3
stop "$DYN_PID"

# ----------------------------------------------------------------- report
log "writing the report"
MACHINE="$(nproc) cores ($(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)), $(free -m | awk '/^Mem:/{print $2}') MB RAM, Linux $(uname -r); load average before the run: $LOAD_BEFORE (other work on the machine skews the figures)"
VERSIONS="wsgw $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- emulator handlers 2>/dev/null || echo ' (with uncommitted changes in emulator/ or handlers/)'), node $(node --version), civetweb $(dpkg-query -W -f='${Version}' libcivetweb-dev 2>/dev/null || echo '?'), LMDB $(dpkg-query -W -f='${Version}' liblmdb-dev 2>/dev/null || echo '?'), $(cd "$PEERS" && node -e 'for (const p of ["dynalite","serverless","serverless-offline","@aws-sdk/client-dynamodb","@aws-sdk/client-apigatewaymanagementapi"]) process.stdout.write(p+" "+require("./node_modules/"+p+"/package.json").version+", ")')lockfile resolved URLs: $RESOLVED"
OUTDOC=$ROOT/docs/benchmarks.md
[ "$QUICK" = 1 ] && OUTDOC=$WORK/benchmarks.md
node "$ROOT/bench/report.js" "$RESULTS" "$OUTDOC" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$MACHINE" "$VERSIONS"
cp "$RESULTS" "$BUILD/bench-results.jsonl"
log "raw results: $BUILD/bench-results.jsonl; report: $OUTDOC"
