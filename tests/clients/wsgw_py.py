"""wsgw_py.py - shared by the Python client tests (boto3_test.py,
boto3_reads_test.py): start and stop a real wsgw process, poll with a
deadline, and boto3 clients pointed at it.

Environment (set by tests/clients/CMakeLists.txt):
    WSGW_BIN         the wsgw executable (required)
    WSGW_SOURCE_DIR  the source tree; the config is fixtures/chat-app.json in it
                     (defaults to the tree this file lives in)

Nothing here sleeps for a fixed time: every wait polls a condition until a
deadline. boto3 is imported by the test files (which fail loudly, never skip,
when it is missing), not here.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

START_DEADLINE_S = 10.0
STOP_DEADLINE_S = 10.0
WAIT_DEADLINE_S = 5.0
POLL_S = 0.01
REGION = "us-east-1"
BANNER_RE = re.compile(r"^wsgw \S+ ready on (http://127\.0\.0\.1:(\d+))\s*$", re.M)


def wait_until(fn, what, timeout=WAIT_DEADLINE_S):
    """Polls fn() until it returns a truthy value (returned) or the deadline."""
    end = time.monotonic() + timeout
    last_err = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last_err = None
        except Exception as err:  # pylint: disable=broad-except
            last_err = err
        if time.monotonic() >= end:
            raise AssertionError("timed out after %.1f s waiting for %s%s" % (
                timeout, what, "" if last_err is None else " (last error: %r)" % last_err))
        time.sleep(POLL_S)


class Server:
    """`wsgw serve --config fixtures/chat-app.json --port 0 --in-memory --no-tls`.

    stdout and stderr go to files (not pipes), so a chatty server can never
    block on a full pipe; the banner is polled from the stdout file.
    `test_name` (the ctest name) appears in error messages; `prefix` names
    the temporary directory."""

    def __init__(self, test_name="clients.boto3", prefix="wsgw-boto3-"):
        bin_path = os.environ.get("WSGW_BIN")
        if not bin_path:
            raise RuntimeError("WSGW_BIN is not set: run through ctest (ctest -R %s) "
                               "or set WSGW_BIN to the wsgw executable" % test_name)
        if not os.path.exists(bin_path):
            raise RuntimeError("WSGW_BIN=%s does not exist: build the wsgw target first" % bin_path)
        src = os.environ.get("WSGW_SOURCE_DIR") or os.path.abspath(
            os.path.join(os.path.dirname(__file__), "..", ".."))
        config = os.path.join(src, "fixtures", "chat-app.json")
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.out_path = os.path.join(self.tmp, "stdout")
        self.err_path = os.path.join(self.tmp, "stderr")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [bin_path, "serve", "--config", config, "--port", "0", "--in-memory", "--no-tls"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            match = wait_until(self._banner, "the wsgw banner on stdout", START_DEADLINE_S)
        except BaseException:
            self.stop()
            raise
        self.base_url = match.group(1)
        self.port = int(match.group(2))
        self.management_url = self.base_url + "/dev"

    def _read(self, path):
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _banner(self):
        match = BANNER_RE.search(self._read(self.out_path))
        if not match and self.proc.poll() is not None:
            raise AssertionError("wsgw exited (status %s) before it was ready\nstdout:\n%s\n"
                                 "stderr:\n%s" % (self.proc.returncode, self._read(self.out_path),
                                                  self._read(self.err_path)))
        return match

    def stderr(self):
        return self._read(self.err_path)

    def stop(self):
        """SIGTERM, then SIGKILL after the deadline. Returns the exit status."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(STOP_DEADLINE_S)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    raise AssertionError("wsgw did not stop within %.0f s of SIGTERM; killed it"
                                         % STOP_DEADLINE_S)
            return self.proc.returncode
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def client_config():
    import botocore.config  # pylint: disable=import-outside-toplevel
    return botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10)


def make_client(service, endpoint):
    import boto3  # pylint: disable=import-outside-toplevel
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=client_config())


def make_resource(service, endpoint):
    import boto3  # pylint: disable=import-outside-toplevel
    return boto3.resource(service, endpoint_url=endpoint, region_name=REGION,
                          aws_access_key_id="local", aws_secret_access_key="local",
                          config=client_config())
