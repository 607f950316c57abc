#!/usr/bin/env bash
# bench/run.sh - `make bench`: wsgw side by side with dynalite (DynamoDB rows) and
# serverless-offline 13 on serverless 3 (WebSocket rows), in one run. Prints the table and
# rewrites docs/benchmarks.md. Only 127.0.0.1; every server is killed at exit.
#
#   bench/run.sh            the full run (about 8 to 10 minutes on 2 cores)
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

# start_wsgw NAME ARGS... : sets WSGW_PID and WSGW_PORT (the port comes from the banner)
start_wsgw() {
  local name=$1 i
  shift
  local dd=(--data-dir "$WORK/$name/data") a
  for a in "$@"; do [ "$a" = --in-memory ] && dd=(); done
  mkdir -p "$WORK/$name"
  TMPDIR="$WORK" setsid "$BUILD/wsgw" serve --config "$CONFIG" --port 0 "${dd[@]}" "$@" \
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
    DDB_ENDPOINT="http://127.0.0.1:$1" WS_MGMT_ENDPOINT="http://127.0.0.1:$SLS_WS_PORT"
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

# The chat app for serverless-offline: fixtures/chat-app.json's handlers in Node.
SLS_APP=$BUILD/sls-chat
mkdir -p "$SLS_APP"
ln -sfn "$PEERS/node_modules" "$SLS_APP/node_modules"
cat >"$SLS_APP/serverless.yml" <<'EOF'
# Written by bench/run.sh: fixtures/chat-app.json for serverless-offline.
service: ws-chat-bench
frameworkVersion: "3"

provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  stage: dev
  websocketsApiRouteSelectionExpression: $request.body.action
  environment:
    TABLE_NAME: Connections

plugins:
  - serverless-offline

custom:
  serverless-offline:
    host: 127.0.0.1
    websocketPort: ${env:WS_PORT, 3001}
    httpPort: ${env:HTTP_PORT, 3000}
    lambdaPort: ${env:LAMBDA_PORT, 3002}
    useInProcess: true
    noPrependStageInUrl: true

functions:
  connect:
    handler: handler.connect
    timeout: 20
    events:
      - websocket:
          route: $connect
  disconnect:
    handler: handler.disconnect
    timeout: 20
    events:
      - websocket:
          route: $disconnect
  sendmessage:
    handler: handler.sendmessage
    timeout: 20
    events:
      - websocket:
          route: sendmessage
  echo:
    handler: handler.echo
    timeout: 5
    events:
      - websocket:
          route: echo
          routeResponseSelectionExpression: $default
EOF
cat >"$SLS_APP/handler.js" <<'EOF'
"use strict"
// Written by bench/run.sh: the chat app of fixtures/chat-app.json in Node. Connections live
// in a DynamoDB table (DDB_ENDPOINT: a dynalite or wsgw instance); sendmessage scans it and
// posts to every id, deleting the ids that answer 410; echo returns the body (two-way route).
const { DynamoDBClient, PutItemCommand, DeleteItemCommand, ScanCommand } =
  require("@aws-sdk/client-dynamodb")
const { ApiGatewayManagementApiClient, PostToConnectionCommand } =
  require("@aws-sdk/client-apigatewaymanagementapi")

const credentials = { accessKeyId: "local", secretAccessKey: "local" }
const table = process.env.TABLE_NAME || "Connections"
const ddb = new DynamoDBClient({ endpoint: process.env.DDB_ENDPOINT, region: "us-east-1", credentials })
const mgmt = new ApiGatewayManagementApiClient({
  endpoint: process.env.WS_MGMT_ENDPOINT, region: "us-east-1", credentials,
})
const idOf = (e) => e.requestContext.connectionId

exports.connect = async (e) => {
  await ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: idOf(e) } } }))
  return { statusCode: 200, body: "Connected." }
}
exports.disconnect = async (e) => {
  await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: idOf(e) } } }))
  return { statusCode: 200, body: "Disconnected." }
}
exports.sendmessage = async (e) => {
  const { data } = JSON.parse(e.body)
  const payload = typeof data === "string" ? data : JSON.stringify(data)
  let ExclusiveStartKey
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ProjectionExpression: "id", ExclusiveStartKey }))
    await Promise.all(page.Items.map(async (item) => {
      try {
        await mgmt.send(new PostToConnectionCommand({ ConnectionId: item.id.S, Data: payload }))
      } catch (err) {
        if (err.$metadata && err.$metadata.httpStatusCode === 410)
          await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: item.id.S } } }))
        else throw err
      }
    }))
    ExclusiveStartKey = page.LastEvaluatedKey
  } while (ExclusiveStartKey)
  return { statusCode: 200, body: "Data sent." }
}
exports.echo = async (e) => ({ statusCode: 200, body: e.body })
EOF

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "open files: $(ulimit -n)"
: >"$RESULTS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

if [ "$QUICK" = 1 ]; then
  START_RUNS=3; SLS_START_RUNS=1; WARM=0.5; DUR=1.5; ROUNDS=1; CONNECT_N=500; BIG=2000; R100=10; R1K=5; R10K=2
  SLS_BIG=1000
else
  START_RUNS=7; SLS_START_RUNS=3; WARM=1; DUR=3; ROUNDS=3; CONNECT_N=2000; BIG=10000; R100=30; R1K=20; R10K=5
  SLS_BIG=10000
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
  (cd "$SLS_APP" && env "${SLS_ENV[@]}" "$LG" startup --label serverless-offline --path / \
    --port "$SLS_WS_PORT" --timeout 60 --rss-delay-ms 500 -- \
    node node_modules/serverless/bin/serverless.js offline 2>>"$WORK/sls-start.log") |
    tee -a "$RESULTS"
done
stop "$DYN_PID"

# --------------------------------------------------------------- DynamoDB
# Four servers side by side, measured in interleaved rounds (each op on each server in turn,
# ROUNDS times; the report takes the median), so that drift on a shared machine hits all alike.
OPS="PutItem GetItem Query Scan UpdateItem"
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

log "WebSocket: serverless-offline (useInProcess; its DynamoDB: dynalite)"
start_dynalite dyn-sls
"$LG" mktable --port "$DYN_PORT" --table Connections
sls_env "$DYN_PORT"
(cd "$SLS_APP" && exec env "${SLS_ENV[@]}" setsid node node_modules/serverless/bin/serverless.js \
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
