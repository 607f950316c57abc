#!/usr/bin/python3
"""concurrency_test.py - exact results under contention, against a real
`wsgw serve` process (durable writes, so the group commit is in play):

  1. 16 threads x 1,000 conditional increments of one item
     (UpdateItem SET v = v + :one, ConditionExpression v >= :zero): every
     answer is 200 and the item ends at exactly 16,000;
  2. 16 threads x 10 optimistic increments of one item (GetItem, then
     UpdateItem SET v = :next with ConditionExpression v = :seen, retried on
     ConditionalCheckFailedException): exactly 160, so no update is lost
     between a condition and its write, and the failures prove contention;
  3. 16 threads x 1,000 TransactWriteItems across two items (a += 1 and
     b -= 1, each with a condition), retried when cancelled by a conflict:
     a = 16,000 and b = -16,000, while a reader thread's TransactGetItems
     always sees a + b = 0 (no transaction is seen half applied).

Environment: WSGW_BIN (required), WSGW_SOURCE_DIR; CONC_THREADS and
CONC_OPS shrink or grow the runs (defaults 16 and 1000).
Raw DynamoDB JSON over http.client (crash_test.Client), one keep-alive
connection per thread.
"""

import os
import shutil
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
from crash_test import Client, Server  # pylint: disable=wrong-import-position

TABLE = "Counters"
THREADS = int(os.environ.get("CONC_THREADS", "16"))
OPS = int(os.environ.get("CONC_OPS", "1000"))
OPTIMISTIC_OPS = 10


def key(pk):
    return {"pk": {"S": pk}}


def value(cli, pk):
    out = cli.ok("GetItem", {"TableName": TABLE, "Key": key(pk), "ConsistentRead": True})
    return int(out["Item"]["v"]["N"])


def run_threads(fn):
    errors = []

    def guard(i):
        try:
            fn(i)
        except Exception as err:  # pylint: disable=broad-except
            errors.append("thread %d: %r" % (i, err))

    threads = [threading.Thread(target=guard, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise AssertionError("; ".join(errors[:3]))


def conditional_increments(port):
    def work(_):
        cli = Client(port)
        for _ in range(OPS):
            cli.ok("UpdateItem", {"TableName": TABLE, "Key": key("one"),
                                  "UpdateExpression": "SET v = v + :one",
                                  "ConditionExpression": "v >= :zero",
                                  "ExpressionAttributeValues": {":one": {"N": "1"},
                                                                ":zero": {"N": "0"}}})
    run_threads(work)
    got = value(Client(port), "one")
    if got != THREADS * OPS:
        raise AssertionError("conditional increments: v = %d, want %d" % (got, THREADS * OPS))
    print("%d threads x %d conditional increments: v = %d" % (THREADS, OPS, got), flush=True)


def optimistic_increments(port):
    failed = [0]
    lock = threading.Lock()

    def work(_):
        cli = Client(port)
        done = 0
        while done < OPTIMISTIC_OPS:
            seen = value(cli, "opt")
            status, out = cli.call("UpdateItem", {
                "TableName": TABLE, "Key": key("opt"), "UpdateExpression": "SET v = :next",
                "ConditionExpression": "v = :seen",
                "ExpressionAttributeValues": {":seen": {"N": str(seen)},
                                              ":next": {"N": str(seen + 1)}}})
            if status == 200:
                done += 1
            elif out.get("__type", "").endswith("ConditionalCheckFailedException"):
                with lock:
                    failed[0] += 1
            else:
                raise AssertionError("UpdateItem answered %d: %s" % (status, out))
    run_threads(work)
    got = value(Client(port), "opt")
    if got != THREADS * OPTIMISTIC_OPS:
        raise AssertionError("optimistic increments: v = %d, want %d (a lost update)"
                             % (got, THREADS * OPTIMISTIC_OPS))
    print("%d threads x %d optimistic increments: v = %d (%d conditional check failures)"
          % (THREADS, OPTIMISTIC_OPS, got, failed[0]), flush=True)


def transactions(port):
    stop = threading.Event()
    reads = [0]
    conflicts = [0]
    lock = threading.Lock()
    reader_error = []

    def reader():
        cli = Client(port)
        try:
            while not stop.is_set():
                out = cli.ok("TransactGetItems", {"TransactItems": [
                    {"Get": {"TableName": TABLE, "Key": key("a")}},
                    {"Get": {"TableName": TABLE, "Key": key("b")}}]})
                a, b = (int(r["Item"]["v"]["N"]) for r in out["Responses"])
                if a + b != 0:
                    raise AssertionError("TransactGetItems saw a = %d, b = %d" % (a, b))
                reads[0] += 1
        except Exception as err:  # pylint: disable=broad-except
            reader_error.append(repr(err))

    def work(_):
        cli = Client(port)
        done = 0
        while done < OPS:
            status, out = cli.call("TransactWriteItems", {"TransactItems": [
                {"Update": {"TableName": TABLE, "Key": key("a"), "UpdateExpression": "SET v = v + :one",
                            "ConditionExpression": "attribute_exists(v)",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"Update": {"TableName": TABLE, "Key": key("b"), "UpdateExpression": "SET v = v - :one",
                            "ConditionExpression": "v <= :zero",
                            "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}}}}]})
            if status == 200:
                done += 1
            elif "TransactionConflict" in str(out):
                with lock:
                    conflicts[0] += 1
            else:
                raise AssertionError("TransactWriteItems answered %d: %s" % (status, out))

    rt = threading.Thread(target=reader)
    rt.start()
    try:
        run_threads(work)
    finally:
        stop.set()
        rt.join()
    if reader_error:
        raise AssertionError(reader_error[0])
    cli = Client(port)
    a, b = value(cli, "a"), value(cli, "b")
    if (a, b) != (THREADS * OPS, -THREADS * OPS):
        raise AssertionError("transactions: a = %d, b = %d, want %d and %d"
                             % (a, b, THREADS * OPS, -THREADS * OPS))
    print("%d threads x %d transactions across two items: a = %d, b = %d (%d conflicts retried, "
          "%d TransactGetItems all saw a + b = 0)" % (THREADS, OPS, a, b, conflicts[0], reads[0]),
          flush=True)


def main():
    if "WSGW_BIN" not in os.environ:
        sys.stderr.write("concurrency_test.py: WSGW_BIN is not set (run through ctest)\n")
        return 1
    tmp = tempfile.mkdtemp(prefix="wsgw-conc-")
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    srv = None
    try:
        srv = Server(data, tmp, 0)
        cli = Client(srv.port)
        cli.ok("CreateTable", {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
        for pk in ("one", "opt", "a", "b"):
            cli.ok("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": pk}, "v": {"N": "0"}}})
        conditional_increments(srv.port)
        optimistic_increments(srv.port)
        transactions(srv.port)
        srv.stop()
        srv = None
        return 0
    finally:
        if srv is not None:
            srv.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
