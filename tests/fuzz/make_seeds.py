#!/usr/bin/env python3
"""make_seeds.py - rebuilds the seed corpus fixtures/fuzz/<target>/ from the
tests' own inputs (run from the repository root; the files are committed).

  dynamo_request  every DynamoDB request of the golden fixtures
                  (fixtures/dynamo) and every JSON request literal of
                  tests/integration/test_dynamo_*.c, as "Operation\\nbody"
  expr            every expression member of those requests, behind the byte
                  that picks the kind (fuzz_expr.c)
  codec           the N values of those requests, in pairs
  routes          the route selection expressions of the configs and the
                  WebSocket message literals of the gateway tests
  config          the configs under fixtures/ (not node_modules)
  serverless      the serverless.yml projects under fixtures/node
  scenario        tests/scenarios/**/*.json
  ws_frames       the gateway tests' messages as text frames (FIN, opcode,
                  length, payload: fuzz_ws_frames.c), one fragmented, and a
                  ping, a close and a binary frame
Regression inputs (files named crash-*, leak-*, timeout-*) are kept.
"""
import glob
import hashlib
import json
import os
import re

MAX = 8192
KINDS = {"ConditionExpression": 0, "FilterExpression": 1, "KeyConditionExpression": 2,
         "ProjectionExpression": 3, "UpdateExpression": 4}


def c_strings(path):
    """The C string literals of a file, adjacent literals joined."""
    src = open(path, encoding="utf-8", errors="replace").read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    out = []
    for m in re.finditer(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+', src):
        parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0))
        text = "".join(parts)
        try:
            text = text.encode("latin-1", "backslashreplace").decode("unicode_escape")
        except UnicodeDecodeError:
            continue
        out.append(text)
    return out


def guess_op(req):
    for key, op in (("TransactItems", "TransactWriteItems"), ("RequestItems", "BatchWriteItem"),
                    ("KeySchema", "CreateTable"), ("KeyConditionExpression", "Query"),
                    ("UpdateExpression", "UpdateItem"), ("Item", "PutItem"), ("Key", "GetItem"),
                    ("TableName", "Scan")):
        if key in req:
            return op
    return "ListTables"


def walk(node, fn):
    fn(node)
    if isinstance(node, dict):
        for v in node.values():
            walk(v, fn)
    elif isinstance(node, list):
        for v in node:
            walk(v, fn)


def write(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if not data or len(data) > MAX:
        return
    d = os.path.join("fixtures/fuzz", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    for d in glob.glob("fixtures/fuzz/*"):
        for f in glob.glob(os.path.join(d, "seed-*")):
            os.remove(f)
    requests = []
    for path in glob.glob("fixtures/dynamo/*/*.request.json"):
        requests.append((os.path.basename(os.path.dirname(path)), json.load(open(path))))
    for step in json.load(open("fixtures/dynamo/setup.json"))["steps"]:
        requests.append((step["op"], step["request"]))
    for path in sorted(glob.glob("tests/integration/test_dynamo_*.c")):
        for s in c_strings(path):
            if not s.startswith("{"):
                continue
            try:
                req = json.loads(s)
            except ValueError:
                continue
            if isinstance(req, dict):
                requests.append((guess_op(req), req))
    numbers = []
    for op, req in requests:
        write("dynamo_request", op + "\n" + json.dumps(req, separators=(",", ":")))
        for key, kind in KINDS.items():
            if isinstance(req.get(key), str):
                write("expr", bytes([kind]) + req[key].encode())
        walk(req, lambda n: numbers.append(n["N"]) if isinstance(n, dict)
             and isinstance(n.get("N"), str) else None)
    numbers = sorted(set(numbers))
    for i, n in enumerate(numbers):
        write("codec", n + "\n" + numbers[(i * 7 + 3) % len(numbers)])
    for extra in ("1e125\n-1e-130", "0.00000000000000000000000000000000000001\n9" * 1,
                  "99999999999999999999999999999999999999\n1", "-0\n+0.0e5"):
        write("codec", extra)
    configs = [p for p in glob.glob("fixtures/**/*.json", recursive=True)
               if "node_modules" not in p and "package" not in os.path.basename(p)
               and not p.startswith("fixtures/fuzz") and not p.startswith("fixtures/dynamo")]
    exprs = {"$request.body.action"}
    for path in configs:
        text = open(path, "rb").read()
        write("config", text)
        try:
            walk(json.loads(text), lambda n: exprs.add(n["routeSelectionExpression"])
                 if isinstance(n, dict) and isinstance(n.get("routeSelectionExpression"), str)
                 else None)
        except ValueError:
            pass
    bodies = set()
    for path in ("tests/integration/test_ws_gateway.c", "tests/integration/test_wsgw.c"):
        for s in c_strings(path):
            if s.startswith("{") and "action" in s or s.startswith("$request"):
                (exprs if s.startswith("$") else bodies).add(s)
    bodies = sorted(bodies)[:40] or ['{"action":"sendmessage"}']
    for i, e in enumerate(sorted(exprs)):
        for b in bodies[i::max(1, len(exprs))] or bodies[:1]:
            write("routes", e + "\n" + b + "\nname=a&x=1")
    def frame(op, payload, fin=True):
        payload = payload[:255]
        return bytes([(0x80 if fin else 0) | op, len(payload)]) + payload
    for b in bodies:
        write("ws_frames", frame(1, b.encode()))
    msg = b'{"action":"echo","n":1}'
    write("ws_frames", frame(1, msg[:9], False) + frame(0, msg[9:]))
    write("ws_frames", frame(9, b"ping") + frame(2, b"\x00\x01") + frame(8, b"\x03\xe8bye"))
    for path in glob.glob("fixtures/node/*/serverless.yml"):
        write("serverless", open(path, "rb").read())
    for path in glob.glob("tests/scenarios/**/*.json", recursive=True):
        write("scenario", open(path, "rb").read())


if __name__ == "__main__":
    main()
