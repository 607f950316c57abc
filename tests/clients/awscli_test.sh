#!/bin/sh
# awscli_test.sh - the AWS CLI (Debian's awscli, /usr/bin/aws) against a real
# wsgw process running fixtures/chat-app.json: DynamoDB create-table,
# put-item, get-item, query and scan, then
# apigatewaymanagementapi post-to-connection to a live WebSocket and to an
# unknown id (GoneException); all signed and verified (--auth sigv4), and a
# wrong secret or an unknown access key refused as AWS refuses them.
#
# Environment (set by tests/clients/CMakeLists.txt):
#   WSGW_BIN         the wsgw executable (required)
#   WSGW_SOURCE_DIR  the source tree (default: the tree this file lives in)
# Run: WSGW_BIN=/path/to/wsgw sh awscli_test.sh   (or ctest -R clients.awscli)
#
# The WebSocket is held open by a small /usr/bin/python3 helper on the stdlib
# `socket` module. Nothing sleeps for a fixed time: every wait polls a
# condition (10 ms apart) until a deadline. Prints "N passed, N failed" and
# exits non-zero on any failure.
set -eu

AWS=/usr/bin/aws
PY=/usr/bin/python3
START_DEADLINE_S=10
STOP_DEADLINE_S=10
WAIT_DEADLINE_S=10

die() {
  echo "awscli_test.sh: $*" >&2
  exit 1
}

[ -x "$AWS" ] || die "$AWS is missing: install Debian's awscli (run \`make test\` from the repository root, which installs it)"
[ -x "$PY" ] || die "$PY is missing: install Debian's python3 (run \`make test\`)"
[ -n "${WSGW_BIN:-}" ] || die "WSGW_BIN is not set: run through ctest (ctest -R clients.awscli) or set it to the wsgw executable"
[ -x "$WSGW_BIN" ] || die "WSGW_BIN=$WSGW_BIN is not an executable: build the wsgw target first"
SRC=${WSGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CONFIG=$SRC/fixtures/chat-app.json
[ -f "$CONFIG" ] || die "$CONFIG is missing"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wsgw-awscli.XXXXXX")
WSGW_PID=""
WS_PID=""
passed=0
failed=0

# Stops whatever is still running (SIGTERM, SIGKILL after the deadline) and
# removes the temporary directory.
cleanup() {
  if [ -n "$WS_PID" ] && kill -0 "$WS_PID" 2>/dev/null; then
    kill "$WS_PID" 2>/dev/null || true
    wait "$WS_PID" 2>/dev/null || true
  fi
  if [ -n "$WSGW_PID" ] && kill -0 "$WSGW_PID" 2>/dev/null; then
    kill -TERM "$WSGW_PID" 2>/dev/null || true
    if ! poll "$STOP_DEADLINE_S" not_running "$WSGW_PID"; then
      echo "awscli_test.sh: wsgw did not stop within ${STOP_DEADLINE_S} s of SIGTERM; killing it" >&2
      kill -KILL "$WSGW_PID" 2>/dev/null || true
    fi
    wait "$WSGW_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

not_running() { ! kill -0 "$1" 2>/dev/null; }

# poll SECONDS COMMAND [ARGS...]: runs the command every 10 ms until it
# succeeds (0) or the deadline passes (1).
poll() {
  _end=$(($(date +%s) + $1))
  shift
  while :; do
    if "$@"; then
      return 0
    fi
    [ "$(date +%s)" -lt "$_end" ] || return 1
    sleep 0.01
  done
}

pass() {
  passed=$((passed + 1))
  echo "ok - $1"
}

fail() {
  failed=$((failed + 1))
  echo "not ok - $1" >&2
  if [ $# -gt 1 ]; then
    printf '%s\n' "$2" | sed 's/^/    /' >&2
  fi
}

# ---- the emulator ---------------------------------------------------------

# --auth sigv4: every CLI call below is a real signed request that wsgw
# verifies (local:local is the pair the CLI is given).
"$WSGW_BIN" serve --config "$CONFIG" --port 0 --in-memory --no-tls \
  --auth sigv4 --auth-key local:local --auth-key AKIDOTHER:other \
  </dev/null >"$TMP/wsgw.out" 2>"$TMP/wsgw.err" &
WSGW_PID=$!

banner_port() {
  # "wsgw 0.1.0 ready on http://127.0.0.1:PORT"
  port=$(sed -n 's|^wsgw [^ ]* ready on http://127\.0\.0\.1:\([0-9][0-9]*\)[[:space:]]*$|\1|p' "$TMP/wsgw.out")
  [ -n "$port" ] && return 0
  not_running "$WSGW_PID" && return 0  # exited: stop polling, reported below
  return 1
}
port=""
poll "$START_DEADLINE_S" banner_port || true
if [ -z "$port" ]; then
  echo "wsgw did not print its banner within ${START_DEADLINE_S} s" >&2
  echo "stdout:" >&2; cat "$TMP/wsgw.out" >&2
  echo "stderr:" >&2; cat "$TMP/wsgw.err" >&2
  exit 1
fi
BASE=http://127.0.0.1:$port
echo "# wsgw on $BASE"

# ---- the CLI, isolated from the user's configuration -----------------------

export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL 2>/dev/null || true
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" AWS_CLI_AUTO_PROMPT=off
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard
export HOME="$TMP"  # no ~/.aws, no CLI cache outside the temporary directory

ddb() { "$AWS" dynamodb --endpoint-url "$BASE" --output json "$@"; }
mgmt() { "$AWS" apigatewaymanagementapi --endpoint-url "$BASE/dev" "$@"; }

# jsonget FILE EXPR: prints the Python expression EXPR evaluated with `d`
# bound to the JSON document in FILE.
jsonget() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- DynamoDB ---------------------------------------------------------------

if ddb create-table --table-name CliItems \
     --attribute-definitions AttributeName=pk,AttributeType=S AttributeName=sk,AttributeType=N \
     --key-schema AttributeName=pk,KeyType=HASH AttributeName=sk,KeyType=RANGE \
     --billing-mode PAY_PER_REQUEST >"$TMP/create.json" 2>"$TMP/err" &&
   [ "$(jsonget "$TMP/create.json" 'd["TableDescription"]["TableName"]')" = CliItems ]; then
  pass "create-table creates a table with a hash and a range key"
else
  fail "create-table creates a table with a hash and a range key" "$(cat "$TMP/create.json" "$TMP/err")"
fi

ok=1
for sk in 1 2 3; do
  if ! ddb put-item --table-name CliItems \
         --item "{\"pk\":{\"S\":\"user-1\"},\"sk\":{\"N\":\"$sk\"},\"msg\":{\"S\":\"hello $sk\"},\"price\":{\"N\":\"12.50\"}}" \
         >"$TMP/put.out" 2>"$TMP/err"; then
    ok=0
    break
  fi
done
ddb put-item --table-name CliItems --item '{"pk":{"S":"user-2"},"sk":{"N":"1"},"msg":{"S":"other"}}' \
  >>"$TMP/put.out" 2>>"$TMP/err" || ok=0
if [ $ok = 1 ]; then
  pass "put-item stores four items"
else
  fail "put-item stores four items" "$(cat "$TMP/put.out" "$TMP/err")"
fi

if ddb get-item --table-name CliItems --consistent-read \
     --key '{"pk":{"S":"user-1"},"sk":{"N":"2"}}' >"$TMP/get.json" 2>"$TMP/err" &&
   [ "$(jsonget "$TMP/get.json" 'd["Item"]["msg"]["S"]')" = "hello 2" ] &&
   [ "$(jsonget "$TMP/get.json" 'd["Item"]["price"]["N"]')" = "12.5" ]; then
  pass "get-item returns the stored item with its number normalised"
else
  fail "get-item returns the stored item with its number normalised" "$(cat "$TMP/get.json" "$TMP/err")"
fi

# Query: the partition's items in sort-key order (numbers numerically), and a
# sort-key condition.
if ddb query --table-name CliItems --key-condition-expression 'pk = :p' \
     --expression-attribute-values '{":p":{"S":"user-1"}}' >"$TMP/query.json" 2>"$TMP/err" &&
   [ "$(jsonget "$TMP/query.json" 'd["Count"]')" = 3 ] &&
   [ "$(jsonget "$TMP/query.json" '[i["sk"]["N"] for i in d["Items"]]')" = "['1', '2', '3']" ]; then
  pass "query returns one partition in sort-key order"
else
  fail "query returns one partition in sort-key order" "$(cat "$TMP/query.json" "$TMP/err")"
fi
if ddb query --table-name CliItems --key-condition-expression 'pk = :p AND sk >= :s' \
     --no-scan-index-forward \
     --expression-attribute-values '{":p":{"S":"user-1"},":s":{"N":"2"}}' >"$TMP/query2.json" 2>"$TMP/err" &&
   [ "$(jsonget "$TMP/query2.json" '[i["sk"]["N"] for i in d["Items"]]')" = "['3', '2']" ]; then
  pass "query with a sort-key condition, in reverse"
else
  fail "query with a sort-key condition, in reverse" "$(cat "$TMP/query2.json" "$TMP/err")"
fi

# The CLI paginates by itself: --page-size 1 makes it follow LastEvaluatedKey.
if ddb scan --table-name CliItems --page-size 1 >"$TMP/scanall.json" 2>"$TMP/err" &&
   [ "$(jsonget "$TMP/scanall.json" 'd["Count"]')" = 4 ]; then
  pass "scan with --page-size 1 follows LastEvaluatedKey through every item"
else
  fail "scan with --page-size 1 follows LastEvaluatedKey through every item" "$(cat "$TMP/scanall.json" "$TMP/err")"
fi

if ddb get-item --table-name CliNoSuchTable --key '{"pk":{"S":"x"}}' >"$TMP/out" 2>"$TMP/err"; then
  fail "get-item on a missing table fails with ResourceNotFoundException" "$(cat "$TMP/out")"
elif grep -q ResourceNotFoundException "$TMP/err"; then
  pass "get-item on a missing table fails with ResourceNotFoundException"
else
  fail "get-item on a missing table fails with ResourceNotFoundException" "$(cat "$TMP/err")"
fi

# ---- @connections -----------------------------------------------------------

# connection_ids FILE: every id in table Connections, one a line, sorted.
connection_ids() {
  ddb scan --table-name Connections --consistent-read >"$TMP/conns.json" &&
    "$PY" -c 'import json,sys
for i in json.load(open(sys.argv[1]))["Items"]: print(i["id"]["S"])' "$TMP/conns.json" | sort >"$1"
}

# The helper: opens ws://127.0.0.1:PORT/dev, writes "open" to $TMP/ws.ready,
# then writes the first text message it receives to $TMP/ws.msg and closes.
cat >"$TMP/ws_hold.py" <<'EOF'
import base64, os, socket, struct, sys
port, ready, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /dev HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
           % (port, key)).encode())
buf = b""
def fill():
    global buf
    chunk = s.recv(65536)
    if not chunk:
        sys.exit("ws_hold: the server closed the socket")
    buf += chunk
def take(n):
    global buf
    while len(buf) < n:
        fill()
    data, buf = buf[:n], buf[n:]
    return data
while b"\r\n\r\n" not in buf:
    fill()
head, buf = buf.split(b"\r\n\r\n", 1)
if not head.startswith(b"HTTP/1.1 101"):
    sys.exit("ws_hold: upgrade answered %r" % head.split(b"\r\n")[0])
with open(ready + ".tmp", "w") as f:
    f.write("open\n")
os.rename(ready + ".tmp", ready)
while True:
    b0, b1 = take(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", take(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", take(8))
    payload = take(n)
    if b0 & 0x0F == 0x1:
        break
    if b0 & 0x0F == 0x8:
        sys.exit("ws_hold: the server closed the WebSocket")
with open(out + ".tmp", "wb") as f:
    f.write(payload)
os.rename(out + ".tmp", out)
mask = os.urandom(4)
s.sendall(bytes([0x88, 0x82]) + mask + bytes(b ^ mask[i] for i, b in enumerate(struct.pack("!H", 1000))))
s.close()
EOF

new_connection_id() {
  connection_ids "$TMP/ids.after" || return 1
  conn_id=$(comm -13 "$TMP/ids.before" "$TMP/ids.after")
  [ -n "$conn_id" ] && [ "$(printf '%s\n' "$conn_id" | wc -l)" -eq 1 ]
}
ws_ready() { [ -f "$TMP/ws.ready" ] || not_running "$WS_PID"; }
ws_done() { [ -f "$TMP/ws.msg" ] || not_running "$WS_PID"; }

conn_id=""
if connection_ids "$TMP/ids.before" 2>"$TMP/err"; then
  "$PY" "$TMP/ws_hold.py" "$port" "$TMP/ws.ready" "$TMP/ws.msg" 2>"$TMP/ws.err" &
  WS_PID=$!
  poll "$WAIT_DEADLINE_S" ws_ready || true
  if [ -f "$TMP/ws.ready" ] && poll "$WAIT_DEADLINE_S" new_connection_id; then
    pass "a WebSocket client connects and \$connect stores its id in table Connections"
  else
    fail "a WebSocket client connects and \$connect stores its id in table Connections" \
         "$(cat "$TMP/ws.err" "$TMP/err" 2>/dev/null)"
    conn_id=""
  fi
else
  fail "a WebSocket client connects and \$connect stores its id in table Connections" "$(cat "$TMP/err")"
fi

if [ -n "$conn_id" ]; then
  # "=": connection ids are base64url, and one in 64 starts with "-", which the
  # CLI's parser would otherwise take for an option (the old intermittent failure).
  if mgmt post-to-connection --connection-id="$conn_id" --data 'hello from the aws cli' \
       --cli-binary-format raw-in-base64-out >"$TMP/out" 2>"$TMP/err" &&
     poll "$WAIT_DEADLINE_S" ws_done && [ -f "$TMP/ws.msg" ] &&
     [ "$(cat "$TMP/ws.msg")" = "hello from the aws cli" ]; then
    pass "post-to-connection delivers the data to the live WebSocket"
  else
    fail "post-to-connection delivers the data to the live WebSocket" \
         "$(cat "$TMP/out" "$TMP/err" "$TMP/ws.err" 2>/dev/null)"
  fi
else
  fail "post-to-connection delivers the data to the live WebSocket" "no live connection id"
fi

if mgmt post-to-connection --connection-id AAAAAAAAAAAAAAA= --data x \
     --cli-binary-format raw-in-base64-out >"$TMP/out" 2>"$TMP/err"; then
  fail "post-to-connection to an unknown id fails with GoneException" "it succeeded: $(cat "$TMP/out")"
elif grep -q GoneException "$TMP/err"; then
  pass "post-to-connection to an unknown id fails with GoneException"
else
  fail "post-to-connection to an unknown id fails with GoneException" "$(cat "$TMP/err")"
fi

# --auth sigv4: another secret, another access key.
for svc in ddb mgmt; do
  for case in "local:wrong InvalidSignatureException" "AKIDNOBODY:local UnrecognizedClientException"; do
    pair=${case% *}
    want=${case#* }
    if [ "$svc" = ddb ]; then
      set -- list-tables
    else
      set -- get-connection --connection-id AAAAAAAAAAAAAAA=
    fi
    if AWS_ACCESS_KEY_ID=${pair%%:*} AWS_SECRET_ACCESS_KEY=${pair#*:} $svc "$@" \
         >"$TMP/out" 2>"$TMP/err"; then
      fail "$svc $1 signed with $pair fails with $want" "it succeeded: $(cat "$TMP/out")"
    elif grep -q "$want" "$TMP/err"; then
      pass "$svc $1 signed with $pair fails with $want"
    else
      fail "$svc $1 signed with $pair fails with $want" "$(cat "$TMP/err")"
    fi
  done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
