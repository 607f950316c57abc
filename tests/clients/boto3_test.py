#!/usr/bin/python3
"""boto3_test.py - the AWS SDK for Python (boto3, Debian's python3-boto3)
against a real wsgw process running fixtures/chat-app.json: DynamoDB through
the client and the resource API, and the @connections management API
(apigatewaymanagementapi) against a live WebSocket connection.

Run it with Debian's interpreter (the one python3-boto3 installs into):
    WSGW_BIN=/path/to/wsgw WSGW_SOURCE_DIR=/path/to/repo /usr/bin/python3 boto3_test.py
or through ctest (ctest -R clients.boto3), which sets both variables.

The WebSocket client is a minimal one on the stdlib `socket` module (HTTP
upgrade, masked client frames, unmasked server frames), so the test needs
nothing beyond boto3. Nothing sleeps for a fixed time: every wait polls a
condition until a deadline.
"""

import base64
import decimal
import hashlib
import os
import socket
import struct
import sys
import unittest

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError as err:  # fail loudly, never skip
    sys.stderr.write(
        "boto3_test.py: cannot import boto3 (%s) with %s. Install Debian's python3-boto3 "
        "(run `make test` from the repository root, which installs it) and run this file "
        "with /usr/bin/python3.\n" % (err, sys.executable))
    sys.exit(1)

# The server start/stop, polling and client helpers shared with boto3_reads_test.py.
# No __pycache__ in the source tree for the shared module below.
sys.dont_write_bytecode = True
from wsgw_py import (  # pylint: disable=wrong-import-position
    REGION, WAIT_DEADLINE_S, Server, client_config, make_client, wait_until)

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class MiniWebSocket:
    """A WebSocket client on a plain socket: enough to hold a connection open
    and read the server's text frames."""

    def __init__(self, port, path="/dev", timeout=WAIT_DEADLINE_S):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key))
        self.sock.sendall(request.encode("ascii"))
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            self.sock.close()
            raise AssertionError("WebSocket upgrade answered %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(
            hashlib.sha1((key + WS_GUID).encode("ascii")).digest()).decode("ascii")
        if headers.get("sec-websocket-accept") != expected:
            self.sock.close()
            raise AssertionError("Sec-WebSocket-Accept %r, expected %r" % (
                headers.get("sec-websocket-accept"), expected))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("the server closed the socket")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def recv_text(self):
        """The next text message (single unmasked frame); answers pings."""
        while True:
            b0, b1 = self._take(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if b1 & 0x80:
                raise AssertionError("the server sent a masked frame")
            if n == 126:
                (n,) = struct.unpack("!H", self._take(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._take(8))
            payload = self._take(n)
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:  # pong
                continue
            if opcode == 0x8:
                raise AssertionError("the server closed the WebSocket: %r" % payload)
            if opcode != 0x1 or not b0 & 0x80:
                raise AssertionError("expected one final text frame, got opcode %d fin %d"
                                     % (opcode, b0 >> 7))
            return payload.decode("utf-8")

    def close(self):
        try:
            self._send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()


SERVER = None


def setUpModule():  # pylint: disable=invalid-name
    global SERVER  # pylint: disable=global-statement
    SERVER = Server()


def tearDownModule():  # pylint: disable=invalid-name
    status = SERVER.stop()
    if status != 0:
        raise AssertionError("wsgw exited with status %s after SIGTERM\nstderr:\n%s"
                             % (status, SERVER.stderr()))


class Boto3Case(unittest.TestCase):
    """One wsgw process for the whole module (starting and stopping one costs
    a second or two); each test uses its own table or its own connection."""

    @classmethod
    def setUpClass(cls):
        cls.server = SERVER
        cls.ddb = make_client("dynamodb", cls.server.base_url)
        cls.mgmt = make_client("apigatewaymanagementapi", cls.server.management_url)
        cls.resource = boto3.resource("dynamodb", endpoint_url=cls.server.base_url,
                                      region_name=REGION, aws_access_key_id="local",
                                      aws_secret_access_key="local", config=client_config())

    def create_table(self, name, key="pk"):
        out = self.ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST")
        self.assertEqual(out["TableDescription"]["TableName"], name)
        return out

    def connection_ids(self):
        ids, start = set(), None
        while True:
            kwargs = {"TableName": "Connections", "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = self.ddb.scan(**kwargs)
            ids.update(item["id"]["S"] for item in out.get("Items", []) if "S" in item.get("id", {}))
            start = out.get("LastEvaluatedKey")
            if not start:
                return ids

    def connect(self):
        """A live WebSocket and its connection id (the one $connect stored in
        table Connections that was not there before)."""
        before = self.connection_ids()
        ws = MiniWebSocket(self.server.port)
        self.addCleanup(ws.close)

        def fresh():
            new = self.connection_ids() - before
            return new if len(new) == 1 else None
        (conn_id,) = wait_until(fresh, "the new connection id in table Connections")
        return ws, conn_id


class DynamoDBClientTest(Boto3Case):

    def test_create_table_is_described_and_listed(self):
        out = self.create_table("Boto3Tables")
        desc = out["TableDescription"]
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "pk", "KeyType": "HASH"}])
        described = self.ddb.describe_table(TableName="Boto3Tables")["Table"]
        self.assertEqual(described["TableName"], "Boto3Tables")
        self.assertEqual(described["TableStatus"], "ACTIVE")
        self.assertEqual(described["ItemCount"], 0)
        self.assertEqual(described["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        names = self.ddb.list_tables()["TableNames"]
        self.assertIn("Boto3Tables", names)
        self.assertIn("Connections", names)
        self.assertEqual(names, sorted(names), "ListTables returns names in order")

    def test_create_table_settings_are_honoured(self):
        """docs/spec/dynamodb.md 2.30-2.35: CreateTable's Tags, SSESpecification and TableClass
        come back through the SDK (Debian's botocore has no WarmThroughput, OnDemandThroughput
        or ResourcePolicy yet); DeleteTable leaves out KeySchema."""
        out = self.ddb.create_table(
            TableName="Boto3Settings",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "team", "Value": "red"}],
            SSESpecification={"Enabled": True, "SSEType": "KMS"},
            TableClass="STANDARD_INFREQUENT_ACCESS")
        desc = out["TableDescription"]
        self.assertEqual(desc["TableClassSummary"]["TableClass"], "STANDARD_INFREQUENT_ACCESS")
        self.assertEqual(desc["SSEDescription"]["Status"], "ENABLED")
        self.assertTrue(desc["SSEDescription"]["KMSMasterKeyArn"].startswith("arn:aws:kms:"))
        arn = desc["TableArn"]
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "red"}])
        updated = self.ddb.update_table(TableName="Boto3Settings", TableClass="STANDARD")
        self.assertEqual(updated["TableDescription"]["TableClassSummary"]["TableClass"],
                         "STANDARD")
        gone = self.ddb.delete_table(TableName="Boto3Settings")["TableDescription"]
        self.assertEqual(gone["TableStatus"], "DELETING")
        self.assertNotIn("KeySchema", gone)

    def test_lsi_item_collection_metrics_and_nested_updated_values(self):
        """docs/spec/dynamodb.md 2.36-2.37: ItemCollectionMetrics on a table with an LSI;
        UPDATED_NEW of a nested path returns that path only."""
        self.ddb.create_table(
            TableName="Boto3Lsi",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"},
                                  {"AttributeName": "at", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            LocalSecondaryIndexes=[{
                "IndexName": "ByAt",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "at", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            BillingMode="PAY_PER_REQUEST")
        out = self.ddb.put_item(
            TableName="Boto3Lsi", ReturnItemCollectionMetrics="SIZE",
            Item={"pk": {"S": "p"}, "sk": {"S": "s"}, "at": {"N": "1"},
                  "m": {"M": {"b": {"S": "dog"}, "c": {"L": [{"N": "1"}, {"N": "2"}]}}}})
        metrics = out["ItemCollectionMetrics"]
        self.assertEqual(metrics["ItemCollectionKey"], {"pk": {"S": "p"}})
        self.assertEqual(metrics["SizeEstimateRangeGB"], [0.0, 1.0])
        out = self.ddb.update_item(
            TableName="Boto3Lsi", Key={"pk": {"S": "p"}, "sk": {"S": "s"}},
            UpdateExpression="SET m.c[1] = :v", ExpressionAttributeValues={":v": {"N": "9"}},
            ReturnValues="UPDATED_OLD")
        self.assertEqual(out["Attributes"], {"m": {"M": {"c": {"L": [{"N": "2"}]}}}})

    def test_put_get_update_and_delete_item_round_trip(self):
        self.create_table("Boto3Items")
        item = {"pk": {"S": "a"}, "n": {"N": "41"}, "tags": {"SS": ["x", "y"]},
                "m": {"M": {"inner": {"L": [{"S": "s"}, {"BOOL": True}, {"NULL": True}]}}},
                "bin": {"B": b"\x00\x01\xff"}}
        self.ddb.put_item(TableName="Boto3Items", Item=item)
        got = self.ddb.get_item(TableName="Boto3Items", Key={"pk": {"S": "a"}},
                                ConsistentRead=True)["Item"]
        self.assertEqual(got["n"], {"N": "41"})
        self.assertEqual(sorted(got["tags"]["SS"]), ["x", "y"])
        self.assertEqual(got["m"], item["m"])
        self.assertEqual(got["bin"], {"B": b"\x00\x01\xff"}, "binary survives base64 both ways")

        out = self.ddb.update_item(
            TableName="Boto3Items", Key={"pk": {"S": "a"}},
            UpdateExpression="SET #n = #n + :one, #t = :t, #c = if_not_exists(#c, :zero) - :one",
            ExpressionAttributeNames={"#n": "n", "#t": "title", "#c": "countdown"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":t": {"S": "hello"},
                                       ":zero": {"N": "0"}},
            ReturnValues="ALL_NEW")
        attrs = out["Attributes"]
        self.assertEqual(attrs["n"], {"N": "42"})
        self.assertEqual(attrs["title"], {"S": "hello"})
        self.assertEqual(attrs["countdown"], {"N": "-1"})
        self.assertEqual(attrs["pk"], {"S": "a"})
        self.assertIn("tags", attrs, "ALL_NEW returns the whole item")

        deleted = self.ddb.delete_item(TableName="Boto3Items", Key={"pk": {"S": "a"}},
                                       ReturnValues="ALL_OLD")
        self.assertEqual(deleted["Attributes"]["n"], {"N": "42"})
        gone = self.ddb.get_item(TableName="Boto3Items", Key={"pk": {"S": "a"}},
                                 ConsistentRead=True)
        self.assertNotIn("Item", gone)

    def test_scan_with_projection_pages_through_every_item(self):
        self.create_table("Boto3Scan")
        for i in range(7):
            self.ddb.put_item(TableName="Boto3Scan", Item={
                "pk": {"S": "k%02d" % i}, "v": {"N": str(i)}, "secret": {"S": "hidden"}})
        seen, pages, start = [], 0, None
        while True:
            kwargs = {"TableName": "Boto3Scan", "Limit": 3,
                      "ProjectionExpression": "pk, #v", "ExpressionAttributeNames": {"#v": "v"}}
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = self.ddb.scan(**kwargs)
            pages += 1
            self.assertLessEqual(out["Count"], 3)
            for item in out["Items"]:
                self.assertEqual(set(item), {"pk", "v"}, "projection keeps only pk and v")
                seen.append(item["pk"]["S"])
            start = out.get("LastEvaluatedKey")
            if not start:
                break
            self.assertEqual(set(start), {"pk"}, "LastEvaluatedKey is the table key")
            self.assertLess(pages, 10, "pagination terminates")
        self.assertEqual(sorted(seen), ["k%02d" % i for i in range(7)])
        self.assertEqual(len(seen), 7, "no item is returned twice")
        self.assertGreaterEqual(pages, 3)

        paginator = self.ddb.get_paginator("scan")
        total = sum(page["Count"] for page in paginator.paginate(
            TableName="Boto3Scan", PaginationConfig={"PageSize": 2}))
        self.assertEqual(total, 7, "boto3's scan paginator sees every item")

    def test_failed_condition_raises_conditional_check_failed_exception(self):
        self.create_table("Boto3Cond")
        self.ddb.put_item(TableName="Boto3Cond", Item={"pk": {"S": "c"}, "v": {"N": "1"}})
        with self.assertRaises(self.ddb.exceptions.ConditionalCheckFailedException) as ctx:
            self.ddb.put_item(TableName="Boto3Cond", Item={"pk": {"S": "c"}, "v": {"N": "2"}},
                              ConditionExpression="attribute_not_exists(pk)")
        err = ctx.exception.response["Error"]
        self.assertEqual(err["Code"], "ConditionalCheckFailedException")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        got = self.ddb.get_item(TableName="Boto3Cond", Key={"pk": {"S": "c"}},
                                ConsistentRead=True)["Item"]
        self.assertEqual(got["v"], {"N": "1"}, "the failed put changed nothing")

    def test_missing_table_raises_resource_not_found_exception(self):
        with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
            self.ddb.get_item(TableName="Boto3NoSuchTable", Key={"pk": {"S": "x"}})
        with self.assertRaises(self.ddb.exceptions.ResourceNotFoundException):
            self.ddb.describe_table(TableName="Boto3NoSuchTable")


class DynamoDBResourceTest(Boto3Case):

    def test_resource_table_round_trips_decimals_exactly(self):
        self.create_table("Boto3Resource", key="id")
        table = self.resource.Table("Boto3Resource")
        item = {
            "id": "r1",
            "big": decimal.Decimal("123456789012345678901234567890.12345678"),
            "tiny": decimal.Decimal("0.000000000000000000000000000000000001"),
            "neg": decimal.Decimal("-98765.4321"),
            "int": 7,
            "nested": {"list": [decimal.Decimal("1.5"), "s", True, None],
                       "set": {"a", "b"}},
        }
        table.put_item(Item=item)
        got = table.get_item(Key={"id": "r1"}, ConsistentRead=True)["Item"]
        self.assertEqual(str(got["big"]), "123456789012345678901234567890.12345678")
        self.assertEqual(got["big"], item["big"])
        self.assertEqual(got["tiny"], item["tiny"])
        self.assertEqual(got["neg"], item["neg"])
        self.assertEqual(got["int"], decimal.Decimal(7))
        self.assertEqual(got["nested"]["list"], [decimal.Decimal("1.5"), "s", True, None])
        self.assertEqual(got["nested"]["set"], {"a", "b"})
        self.assertNotIn("Item", table.get_item(Key={"id": "absent"}))


class ManagementApiTest(Boto3Case):

    def test_post_to_connection_reaches_a_live_socket(self):
        ws, conn_id = self.connect()
        out = self.mgmt.post_to_connection(ConnectionId=conn_id, Data=b"hello from boto3")
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(ws.recv_text(), "hello from boto3")

    def test_get_connection_describes_a_live_connection(self):
        _, conn_id = self.connect()
        out = self.mgmt.get_connection(ConnectionId=conn_id)
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertIn("ConnectedAt", out)
        self.assertIn("LastActiveAt", out)
        self.assertEqual(out["Identity"]["SourceIp"], "127.0.0.1")

    def test_post_to_an_unknown_connection_raises_gone_exception(self):
        with self.assertRaises(self.mgmt.exceptions.GoneException) as ctx:
            self.mgmt.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 410)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "GoneException")


if __name__ == "__main__":
    unittest.main(verbosity=2)
