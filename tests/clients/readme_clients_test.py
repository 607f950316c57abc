#!/usr/bin/python3
"""readme_clients_test.py - the README's "Connecting clients" instructions,
followed literally with Debian's boto3 (python3-boto3) and AWS CLI (awscli)
against a real wsgw process (fixtures/chat-app.json).

The blocks between <!-- clients:NAME:begin --> and <!-- clients:NAME:end -->
in README.md are run as written, with the README's port 8080 replaced by the
server's: the `export` line gives the environment (and nothing else from this
process's AWS_* variables), the Python block runs under /usr/bin/python3, the
shell block under sh. The README's claim that these Debian versions ignore
AWS_ENDPOINT_URL_* is checked too: boto3's client and the CLI (/usr/bin/aws: /usr/bin comes
first on PATH) resolve AWS's
regional endpoint with only the variable set (an HTTPS proxy on a closed
local port keeps the CLI off the network).

Run: WSGW_BIN=/path/to/wsgw WSGW_SOURCE_DIR=/path/to/repo /usr/bin/python3 readme_clients_test.py
(or ctest -R clients.readme_clients).
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest

try:
    import boto3  # noqa: F401  (the blocks import it themselves)
    import botocore
except ImportError as err:  # fail loudly, never skip
    sys.stderr.write("readme_clients_test.py: cannot import boto3 (%s) with %s: install Debian's "
                     "python3-boto3 (`make test` does) and run with /usr/bin/python3.\n"
                     % (err, sys.executable))
    sys.exit(1)

sys.dont_write_bytecode = True
from wsgw_py import Server  # pylint: disable=wrong-import-position

SRC = os.environ.get("WSGW_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
RUN_DEADLINE_S = 60


def readme_block(name):
    """The code of the README's block `name`, without its fences."""
    with open(os.path.join(SRC, "README.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"<!-- clients:%s:begin -->\n```\w*\n(.*?)```\n<!-- clients:%s:end -->"
                  % (re.escape(name), re.escape(name)), text, re.S)
    if not m:
        raise AssertionError("README.md has no clients:%s block" % name)
    return m.group(1)


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:3])


class ReadmeClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(test_name="clients.readme_clients", prefix="wsgw-readme-")
        cls.home = tempfile.mkdtemp(prefix="wsgw-readme-home-")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        subprocess.run(["rm", "-rf", cls.home], check=False)

    def literal(self, name):
        return readme_block(name).replace("127.0.0.1:8080", "127.0.0.1:%d" % self.server.port)

    def env(self, extra=None):
        """A clean environment: no AWS_* from this process, an empty HOME (no
        ~/.aws), then the README's exports."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["HOME"] = self.home
        # Debian's aws and python3 first (another aws, e.g. a pip-installed CLI v1,
        # may come earlier on PATH).
        env["PATH"] = "/usr/bin:" + env.get("PATH", "")
        for line in self.literal("env").splitlines():
            words = shlex.split(line)
            self.assertEqual(words[0], "export", line)
            for w in words[1:]:
                k, v = w.split("=", 1)
                env[k] = v
        env.update(extra or {})
        return env

    def run_cmd(self, argv, env, what):
        p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=RUN_DEADLINE_S,
                           check=False)
        self.assertEqual(p.returncode, 0, "%s failed (%d)\nstdout:\n%s\nstderr:\n%s\nwsgw stderr:\n%s"
                         % (what, p.returncode, p.stdout, p.stderr, self.server.stderr()))
        return p.stdout

    def test_the_boto3_block_reaches_wsgw_through_endpoint_url(self):
        out = self.run_cmd(["/usr/bin/python3", "-c", self.literal("boto3")], self.env(),
                           "the README's boto3 block")
        self.assertEqual(out.strip(), "['Connections']")
        # The management client it creates posts to wsgw: an unknown id is a 410.
        check = (self.literal("boto3") + "\ntry:\n    api.post_to_connection(ConnectionId='nope', "
                 "Data=b'x')\nexcept api.exceptions.GoneException:\n    print('gone')\n")
        out = self.run_cmd(["/usr/bin/python3", "-c", check], self.env(), "post_to_connection")
        self.assertEqual(out.split(), ["['Connections']", "gone"])

    def test_the_cli_block_reaches_wsgw_through_endpoint_url(self):
        out = self.run_cmd(["sh", "-e", "-c", self.literal("cli")], self.env(),
                           "the README's AWS CLI block")
        self.assertIn('"Connections"', out)
        self.assertIn('"Streams"', out)

    def test_debians_boto3_and_cli_ignore_aws_endpoint_url_as_the_readme_says(self):
        env = self.env({"AWS_ENDPOINT_URL_DYNAMODB": self.server.base_url})
        code = "import boto3\nprint(boto3.client('dynamodb').meta.endpoint_url)\n"
        url = self.run_cmd(["/usr/bin/python3", "-c", code], env, "boto3 with the variable").strip()
        if version_tuple(botocore.__version__) >= (1, 31, 0):
            self.assertEqual(url, self.server.base_url)
        else:
            self.assertEqual(url, "https://dynamodb.us-east-1.amazonaws.com",
                             "botocore %s ignores AWS_ENDPOINT_URL_DYNAMODB" % botocore.__version__)
        cli_version = subprocess.run(["aws", "--version"], capture_output=True, text=True,
                                     env=env, check=False).stdout
        m = re.search(r"aws-cli/(\S+)", cli_version)
        self.assertIsNotNone(m, cli_version)
        # The proxy is a closed local port: the CLI's request fails at once, after
        # its debug log named the endpoint it resolved.
        p = subprocess.run(["aws", "dynamodb", "list-tables", "--debug"],
                           env=dict(env, HTTPS_PROXY="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1"),
                           capture_output=True, text=True, timeout=RUN_DEADLINE_S, check=False)
        m2 = re.search(r"Endpoint provider result: (\S+)", p.stderr)
        resolved = m2.group(1) if m2 else ("%s/" % self.server.base_url
                                           if self.server.base_url in p.stderr else "")
        if version_tuple(m.group(1)) >= (2, 13, 0):
            self.assertIn(self.server.base_url, resolved)
        else:
            self.assertEqual(resolved, "https://dynamodb.us-east-1.amazonaws.com",
                             "aws-cli %s ignores AWS_ENDPOINT_URL_DYNAMODB" % m.group(1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
