#!/usr/bin/python3
"""crash_test.py - crash durability of a real `wsgw serve` process: several
client threads drive PutItem, UpdateItem, TransactWriteItems and
BatchWriteItem into a table with a global secondary index and a stream
(NEW_AND_OLD_IMAGES); the process gets SIGKILL at a random moment; it is
restarted on the same data directory and the whole table is checked:

  - every acknowledged write is there, exactly as written; a write that was
    in flight when the kill landed is there whole or not at all;
  - no torn transaction: each TransactWriteItems puts two items and adds 1
    to the writer's transaction counter, so both items are there or neither,
    and the counter equals the number of pairs that are there;
  - an UpdateItem counter is between its acknowledged count and that count
    plus the one increment in flight;
  - the index agrees with the items: a Query of the GSI for each key value
    returns exactly the items a Scan finds with that value;
  - the stream agrees with the items: every item has records, the newest
    record of a key has the item as its NewImage, no record names a key
    that is absent (nothing is ever deleted), and a counter has one record
    per increment.

The state carries over from cycle to cycle (the same data directory), so
later cycles also check the earlier cycles' writes. After the checks the
in-flight writes that survived count as acknowledged.

Environment:
    WSGW_BIN          the wsgw executable (required; ctest sets it)
    WSGW_SOURCE_DIR   the source tree (for fixtures/chat-app.json)
    CRASH_CYCLES      kill/restart cycles (default 5; `make test-crash` runs 20)
    CRASH_THREADS     client threads (default 4)
    CRASH_SEED        random seed (default: the time; printed for a re-run)
    CRASH_NO_SYNC     1: serve with --no-sync (SIGKILL, not power loss, so
                      the kernel keeps the written pages and the same checks
                      hold)

Raw DynamoDB JSON over http.client, no SDK: one keep-alive connection per
thread, no retries, so an answer is an acknowledgement of exactly one
attempt. Nothing sleeps for a fixed time except the random delay before the
kill; waits poll a condition until a deadline.
"""

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
from wsgw_py import BANNER_RE, START_DEADLINE_S, wait_until  # pylint: disable=wrong-import-position

TABLE = "Crash"
INDEX = "byg"
GROUPS = 4
CYCLES = int(os.environ.get("CRASH_CYCLES", "5"))
THREADS = int(os.environ.get("CRASH_THREADS", "4"))
SEED = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
NO_SYNC = os.environ.get("CRASH_NO_SYNC") == "1"
KILL_MIN_S, KILL_MAX_S = 0.3, 1.5


def fail(msg):
    raise AssertionError("crash_test (seed %d%s): %s" % (SEED, ", --no-sync" if NO_SYNC else "", msg))


class Server:
    """`wsgw serve` on a data directory that outlives it."""

    def __init__(self, data_dir, log_dir, cycle):
        args = [os.environ["WSGW_BIN"], "serve", "--config",
                os.path.join(os.environ.get("WSGW_SOURCE_DIR", "../.."), "fixtures", "chat-app.json"),
                "--port", "0", "--no-tls", "--data-dir", data_dir]
        if NO_SYNC:
            args.append("--no-sync")
        self.out_path = os.path.join(log_dir, "stdout.%d" % cycle)
        self.err_path = os.path.join(log_dir, "stderr.%d" % cycle)
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            match = wait_until(self._banner, "the wsgw banner", START_DEADLINE_S)
        except BaseException:
            if self.proc.poll() is None:
                self.kill()
            raise
        self.port = int(match.group(2))

    def _read(self, path):
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _banner(self):
        match = BANNER_RE.search(self._read(self.out_path))
        if not match and self.proc.poll() is not None:
            fail("wsgw exited (status %s) before it was ready\nstderr:\n%s"
                 % (self.proc.returncode, self._read(self.err_path)))
        return match

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("wsgw did not stop within 10 s of SIGTERM")
        if status != 0:
            fail("wsgw exited with status %s\nstderr:\n%s" % (status, self._read(self.err_path)))


class Client:
    """One keep-alive connection; call() returns (status, body)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, op, body, service="DynamoDB_20120810"):
        self.conn.request("POST", "/", json.dumps(body), {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "%s.%s" % (service, op),
            # Present, as an SDK's; wsgw does not check the signature.
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/"
                             "aws4_request, SignedHeaders=host, Signature=00"})
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")

    def ok(self, op, body, service="DynamoDB_20120810"):
        status, out = self.call(op, body, service)
        if status != 200:
            fail("%s answered %d: %s" % (op, status, out))
        return out


def s(v):
    return {"S": v}


def n(v):
    return {"N": str(v)}


class Model:
    """What the table must hold: exact items, and the writes in flight."""

    def __init__(self):
        self.known = {}     # pk -> item (acknowledged, or checked present)
        self.maybe = {}     # pk -> item (in flight at the kill)
        self.counter = {}   # pk -> [acknowledged value, value if the in-flight one landed]
        self.pairs = {}     # writer -> set of acknowledged transaction numbers
        self.acked = 0      # acknowledged writes, all cycles
        self.errors = []    # error answers seen by the writers
        self.lock = threading.Lock()


def writer(port, w, cycle, model, stop, rng):
    """Loops over the four operations until the connection breaks."""
    cli = Client(port)
    seq = 0
    ckey = "c|%d" % w
    with model.lock:
        model.counter.setdefault(ckey, [0, 0])
    while not stop.is_set():
        seq += 1
        tag = "%d|%d|%d" % (w, cycle, seq)
        op = seq % 4
        pending = {}
        try:
            if op == 0:
                item = {"pk": s("p|" + tag), "g": s("g%d" % (seq % GROUPS)), "v": n(seq),
                        "pad": s("x" * rng.randrange(1, 2000))}
                pending = {item["pk"]["S"]: item}
                with model.lock:
                    model.maybe.update(pending)
                cli.ok("PutItem", {"TableName": TABLE, "Item": item})
            elif op == 1:
                with model.lock:
                    model.counter[ckey][1] += 1
                cli.ok("UpdateItem", {"TableName": TABLE, "Key": {"pk": s(ckey)},
                                      "UpdateExpression": "ADD v :one",
                                      "ExpressionAttributeValues": {":one": n(1)}})
                with model.lock:
                    model.counter[ckey][0] += 1
                    model.acked += 1
                continue
            elif op == 2:
                a = {"pk": s("x|%s|a" % tag), "g": s("g%d" % (seq % GROUPS)), "tx": s(tag)}
                b = {"pk": s("x|%s|b" % tag), "g": s("g%d" % ((seq + 1) % GROUPS)), "tx": s(tag)}
                pending = {a["pk"]["S"]: a, b["pk"]["S"]: b}
                with model.lock:
                    model.maybe.update(pending)
                cli.ok("TransactWriteItems", {"TransactItems": [
                    {"Put": {"TableName": TABLE, "Item": a,
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                    {"Put": {"TableName": TABLE, "Item": b}},
                    {"Update": {"TableName": TABLE, "Key": {"pk": s("xc|%d" % w)},
                                "UpdateExpression": "ADD v :one",
                                "ExpressionAttributeValues": {":one": n(1)}}}]})
            else:
                items = [{"pk": s("b|%s|%d" % (tag, k)), "g": s("g%d" % ((seq + k) % GROUPS)),
                          "v": n(k)} for k in range(3)]
                pending = {i["pk"]["S"]: i for i in items}
                with model.lock:
                    model.maybe.update(pending)
                out = cli.ok("BatchWriteItem", {"RequestItems": {
                    TABLE: [{"PutRequest": {"Item": i}} for i in items]}})
                for req in out.get("UnprocessedItems", {}).get(TABLE, []):
                    pending.pop(req["PutRequest"]["Item"]["pk"]["S"], None)
            with model.lock:
                for pk, item in pending.items():
                    model.known[pk] = item
                    model.maybe.pop(pk)
                model.acked += len(pending)
        except (OSError, http.client.HTTPException, ValueError):
            return  # the kill: what was pending stays in model.maybe
        except AssertionError as err:  # an error answer before the kill
            with model.lock:
                model.errors.append(str(err))
            return


def scan_all(cli):
    items, start = [], None
    while True:
        body = {"TableName": TABLE, "ConsistentRead": True}
        if start:
            body["ExclusiveStartKey"] = start
        out = cli.ok("Scan", body)
        items += out["Items"]
        start = out.get("LastEvaluatedKey")
        if not start:
            return {i["pk"]["S"]: i for i in items}


def query_group(cli, group):
    keys, start = set(), None
    while True:
        body = {"TableName": TABLE, "IndexName": INDEX, "KeyConditionExpression": "g = :g",
                "ExpressionAttributeValues": {":g": s(group)}}
        if start:
            body["ExclusiveStartKey"] = start
        out = cli.ok("Query", body)
        keys.update(i["pk"]["S"] for i in out["Items"])
        start = out.get("LastEvaluatedKey")
        if not start:
            return keys


def stream_records(cli, arn):
    """Every record of every shard, in sequence order."""
    st = "DynamoDBStreams_20120810"
    records, shards, start = [], [], None
    while True:
        body = {"StreamArn": arn}
        if start:
            body["ExclusiveStartShardId"] = start
        desc = cli.ok("DescribeStream", body, st)["StreamDescription"]
        shards += desc["Shards"]
        start = desc.get("LastEvaluatedShardId")
        if not start:
            break
    for shard in shards:
        it = cli.ok("GetShardIterator", {"StreamArn": arn, "ShardId": shard["ShardId"],
                                         "ShardIteratorType": "TRIM_HORIZON"}, st)["ShardIterator"]
        while it:
            out = cli.ok("GetRecords", {"ShardIterator": it, "Limit": 1000}, st)
            records += out["Records"]
            it = out.get("NextShardIterator") if out["Records"] else None
    records.sort(key=lambda r: int(r["dynamodb"]["SequenceNumber"]))
    return records


def verify(cli, model, arn):
    items = scan_all(cli)
    for pk, item in model.known.items():
        if items.get(pk) != item:
            fail("acknowledged item %s is %s after the restart, want %s" % (pk, items.get(pk), item))
    for pk, item in items.items():
        if pk in model.known:
            continue
        if pk in model.maybe:
            if item != model.maybe[pk]:
                fail("in-flight item %s is torn: %s, want %s" % (pk, item, model.maybe[pk]))
            continue
        if pk in model.counter or pk.startswith("xc|"):
            continue
        fail("item %s was never written: %s" % (pk, item))
    for ckey, (lo, hi) in model.counter.items():
        got = int(items[ckey]["v"]["N"]) if ckey in items else 0
        if not lo <= got <= hi:
            fail("counter %s is %d, want %d..%d" % (ckey, got, lo, hi))
    for w in range(THREADS):
        a = {pk for pk in items if pk.startswith("x|%d|" % w) and pk.endswith("|a")}
        for pk in a:
            if pk[:-1] + "b" not in items:
                fail("torn transaction: %s without its pair" % pk)
        for pk in items:
            if pk.startswith("x|%d|" % w) and pk.endswith("|b") and pk[:-1] + "a" not in items:
                fail("torn transaction: %s without its pair" % pk)
        got = int(items["xc|%d" % w]["v"]["N"]) if "xc|%d" % w in items else 0
        if got != len(a):
            fail("torn transaction: counter xc|%d is %d with %d pairs present" % (w, got, len(a)))
    for g in range(GROUPS):
        want = {pk for pk, i in items.items() if i.get("g") == s("g%d" % g)}
        got = query_group(cli, "g%d" % g)
        if got != want:
            fail("index %s for g%d: %d keys missing, %d extra (e.g. %s)" % (
                INDEX, g, len(want - got), len(got - want), sorted((want ^ got))[:3]))
    newest, count = {}, {}
    for rec in stream_records(cli, arn):
        pk = rec["dynamodb"]["Keys"]["pk"]["S"]
        newest[pk] = rec["dynamodb"].get("NewImage")
        count[pk] = count.get(pk, 0) + 1
    for pk, item in items.items():
        if newest.get(pk) != item:
            fail("stream: newest record of %s has NewImage %s, the item is %s"
                 % (pk, newest.get(pk), item))
        if pk in model.counter and count[pk] != int(item["v"]["N"]):
            fail("stream: %d records for counter %s = %s" % (count[pk], pk, item["v"]["N"]))
    for pk in newest:
        if pk not in items:
            fail("stream: records for %s, which is absent" % pk)
    # What survived is now known; what did not will never appear.
    for pk in list(model.maybe):
        if pk in items:
            model.known[pk] = items[pk]
    model.maybe.clear()
    for ckey in model.counter:
        v = int(items[ckey]["v"]["N"]) if ckey in items else 0
        model.counter[ckey] = [v, v]
    return len(items)


def main():
    if "WSGW_BIN" not in os.environ:
        sys.stderr.write("crash_test.py: WSGW_BIN is not set (run through ctest)\n")
        return 1
    rng = random.Random(SEED)
    tmp = tempfile.mkdtemp(prefix="wsgw-crash-")
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    model = Model()
    srv = None
    try:
        srv = Server(data, tmp, 0)
        Client(srv.port).ok("CreateTable", {
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "g", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": INDEX,
                                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                        "Projection": {"ProjectionType": "ALL"}}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}})
        arn = Client(srv.port).ok("DescribeTable", {"TableName": TABLE})["Table"]["LatestStreamArn"]
        for cycle in range(1, CYCLES + 1):
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(srv.port, w, cycle, model, stop,
                                                             random.Random(rng.random())))
                       for w in range(THREADS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(KILL_MIN_S, KILL_MAX_S))
            srv.kill()
            stop.set()
            for t in threads:
                t.join(30)
                if t.is_alive():
                    fail("a client thread hangs after the kill")
            if model.errors:
                fail("a writer got an error answer: %s" % model.errors[0])
            in_flight = len(model.maybe)
            srv = Server(data, tmp, cycle)
            total = verify(Client(srv.port), model, arn)
            print("cycle %d: %d acknowledged writes so far, %d in flight at the kill, "
                  "%d items verified" % (cycle, model.acked, in_flight, total), flush=True)
        srv.stop()
        srv = None
        print("crash_test: %d cycles, %d acknowledged writes verified (seed %d%s)"
              % (CYCLES, model.acked, SEED, ", --no-sync" if NO_SYNC else ""))
        return 0
    finally:
        if srv is not None and srv.proc.poll() is None:
            srv.kill()  # a failed check: no server left behind
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
