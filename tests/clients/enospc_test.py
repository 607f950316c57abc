#!/usr/bin/python3
"""enospc_test.py - a full disk under a real `wsgw serve` process: its data
directory on a 3 MB tmpfs (mounted here: the test runs as root), or, where
mounting is not permitted, under a file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored, so a write past it fails with EFBIG as a full disk does).

  - PutItem fills the table until an answer is not 200: that answer is an
    AWS-shaped 500 (InternalServerError with a message), never a crash;
  - while full, PutItem, TransactWriteItems and BatchWriteItem keep getting
    the same 500, reads of acknowledged items still answer, and the process
    stays up;
  - after SIGKILL and a restart on the same directory (with room again:
    the tmpfs remounted larger, or no limit) every acknowledged item is there
    exactly, none of the refused writes is (no half-applied transaction or
    batch), and new writes succeed.

Environment: WSGW_BIN (required), WSGW_SOURCE_DIR; ENOSPC_FSIZE=1 takes the
file-size-limit path even where a tmpfs could be mounted.
"""

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import crash_test  # pylint: disable=wrong-import-position
from crash_test import Client  # pylint: disable=wrong-import-position

TABLE = "Full"
PAD = "x" * 3000
LIMIT = 3 * 1024 * 1024


def mount_tmpfs(path, size):
    """True when a tmpfs of `size` bytes is mounted (or remounted) at path."""
    opts = "size=%d" % size
    cmd = ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path]
    if os.path.ismount(path):
        cmd = ["mount", "-o", "remount," + opts, path]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False).returncode == 0


class LimitedServer(crash_test.Server):
    """crash_test.Server with an optional file-size limit on the process."""

    def __init__(self, data_dir, log_dir, cycle, fsize=None):
        real_popen = subprocess.Popen

        def limited(*args, **kwargs):
            def pre():
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            if fsize is not None:
                kwargs["preexec_fn"] = pre
            return real_popen(*args, **kwargs)

        subprocess.Popen = limited
        try:
            super().__init__(data_dir, log_dir, cycle)
        finally:
            subprocess.Popen = real_popen


def put(pk):
    return {"TableName": TABLE, "Item": {"pk": {"S": pk}, "pad": {"S": PAD}}}


def expect_500(what, status, out):
    if status != 500 or not out.get("__type", "").endswith("InternalServerError") \
            or not out.get("message"):
        raise AssertionError("%s on a full disk: %d %s, want 500 InternalServerError"
                             % (what, status, out))


def main():
    if "WSGW_BIN" not in os.environ:
        sys.stderr.write("enospc_test.py: WSGW_BIN is not set (run through ctest)\n")
        return 1
    tmp = tempfile.mkdtemp(prefix="wsgw-enospc-")
    mnt = os.path.join(tmp, "mnt")
    os.mkdir(mnt)
    on_tmpfs = os.environ.get("ENOSPC_FSIZE") != "1" and mount_tmpfs(mnt, LIMIT)
    data = os.path.join(mnt, "data")
    os.mkdir(data)
    srv = None
    try:
        srv = LimitedServer(data, tmp, 0, None if on_tmpfs else LIMIT)
        cli = Client(srv.port)
        cli.ok("CreateTable", {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
        acked = []
        while len(acked) < 100000:
            pk = "k%d" % len(acked)
            status, out = cli.call("PutItem", put(pk))
            if status != 200:
                expect_500("PutItem", status, out)
                break
            acked.append(pk)
        else:
            raise AssertionError("100,000 items fitted in %d bytes" % LIMIT)
        refused = ["k%d" % len(acked)]
        for i in range(3):
            status, out = cli.call("PutItem", put("late%d" % i))
            expect_500("PutItem", status, out)
            refused.append("late%d" % i)
        status, out = cli.call("TransactWriteItems", {"TransactItems": [
            {"Put": put("tx-a")}, {"Put": put("tx-b")}]})
        expect_500("TransactWriteItems", status, out)
        status, out = cli.call("BatchWriteItem", {"RequestItems": {TABLE: [
            {"PutRequest": {"Item": put("batch%d" % i)["Item"]}} for i in range(3)]}})
        expect_500("BatchWriteItem", status, out)
        refused += ["tx-a", "tx-b", "batch0", "batch1", "batch2"]
        got = cli.ok("GetItem", {"TableName": TABLE, "Key": {"pk": {"S": acked[0]}}})
        if got.get("Item", {}).get("pad", {}).get("S") != PAD:
            raise AssertionError("GetItem of %s on a full disk: %s" % (acked[0], got))
        if srv.proc.poll() is not None:
            raise AssertionError("wsgw exited (status %s) on a full disk" % srv.proc.returncode)
        srv.kill()
        srv = None

        if on_tmpfs and not mount_tmpfs(mnt, 4 * LIMIT):
            raise AssertionError("cannot remount the tmpfs larger")
        srv = LimitedServer(data, tmp, 1)
        cli = Client(srv.port)
        found, start = {}, None
        while True:
            body = {"TableName": TABLE, "ConsistentRead": True}
            if start:
                body["ExclusiveStartKey"] = start
            out = cli.ok("Scan", body)
            found.update((i["pk"]["S"], i) for i in out["Items"])
            start = out.get("LastEvaluatedKey")
            if not start:
                break
        missing = [pk for pk in acked if found.get(pk, {}).get("pad", {}).get("S") != PAD]
        if missing:
            raise AssertionError("%d acknowledged items missing or changed after the restart, "
                                 "e.g. %s" % (len(missing), missing[:3]))
        extra = [pk for pk in refused if pk in found]
        if extra:
            raise AssertionError("refused writes present after the restart: %s" % extra)
        if len(found) != len(acked):
            raise AssertionError("%d items after the restart, %d acknowledged"
                                 % (len(found), len(acked)))
        cli.ok("PutItem", put("after"))
        srv.stop()
        srv = None
        print("full disk (%s, %d bytes): %d items acknowledged, then 500 InternalServerError; "
              "all %d there after SIGKILL and a restart, none of the %d refused writes; "
              "writes work again" % ("tmpfs" if on_tmpfs else "RLIMIT_FSIZE", LIMIT,
                                     len(acked), len(acked), len(refused)))
        return 0
    finally:
        if srv is not None:
            srv.kill()
        if os.path.ismount(mnt):
            subprocess.run(["umount", mnt], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
