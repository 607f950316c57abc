#!/usr/bin/python3
"""boto3_streams_test.py - DynamoDB Streams through the AWS SDK for Python
(boto3's `dynamodbstreams` client, Debian's python3-boto3) against a real
wsgw process: records written through the DynamoDB API (PutItem, UpdateItem,
DeleteItem, batch_write_item) read back with list_streams, describe_stream,
get_shard_iterator and get_records; a re-enabled stream's new ARN; the
service's error codes as boto3 reports them.

Run it with Debian's interpreter (the one python3-boto3 installs into):
    WSGW_BIN=/path/to/wsgw WSGW_SOURCE_DIR=/path/to/repo /usr/bin/python3 boto3_streams_test.py
or through ctest (ctest -R clients.boto3_streams), which sets both variables.
"""

import sys
import unittest

try:
    import botocore.exceptions
except ImportError as err:  # fail loudly, never skip
    sys.stderr.write(
        "boto3_streams_test.py: cannot import boto3 (%s) with %s. Install Debian's "
        "python3-boto3 (run `make test` from the repository root, which installs it) and run "
        "this file with /usr/bin/python3.\n" % (err, sys.executable))
    sys.exit(1)

# No __pycache__ in the source tree for the shared module below.
sys.dont_write_bytecode = True
from wsgw_py import Server, make_client  # pylint: disable=wrong-import-position

SERVER = None


def setUpModule():  # pylint: disable=invalid-name
    global SERVER  # pylint: disable=global-statement
    SERVER = Server(test_name="clients.boto3_streams", prefix="wsgw-boto3-streams-")


def tearDownModule():  # pylint: disable=invalid-name
    status = SERVER.stop()
    if status != 0:
        raise AssertionError("wsgw exited with status %s after SIGTERM\nstderr:\n%s"
                             % (status, SERVER.stderr()))


class StreamsTest(unittest.TestCase):
    """One wsgw process; each test uses its own table."""

    @classmethod
    def setUpClass(cls):
        cls.ddb = make_client("dynamodb", SERVER.base_url)
        cls.streams = make_client("dynamodbstreams", SERVER.base_url)

    def create(self, name, view):
        out = self.ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        desc = out["TableDescription"]
        self.assertEqual(desc["StreamSpecification"],
                         {"StreamEnabled": True, "StreamViewType": view})
        self.assertTrue(desc["LatestStreamArn"].startswith(
            "arn:aws:dynamodb:us-east-1:000000000000:table/%s/stream/" % name))
        return desc["LatestStreamArn"]

    def read_all(self, arn, iterator_type="TRIM_HORIZON", limit=2):
        shards = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self.assertEqual(len(shards), 1)
        it = self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shards[0]["ShardId"],
            ShardIteratorType=iterator_type)["ShardIterator"]
        records = []
        for _ in range(100):
            page = self.streams.get_records(ShardIterator=it, Limit=limit)
            records.extend(page["Records"])
            if not page["Records"] or "NextShardIterator" not in page:
                break
            it = page["NextShardIterator"]
        return records

    def test_records_written_through_dynamodb_read_back_in_order(self):
        arn = self.create("StreamsOrder", "NEW_AND_OLD_IMAGES")
        self.ddb.put_item(TableName="StreamsOrder", Item={"id": {"S": "a"}, "v": {"N": "1"}})
        self.ddb.put_item(TableName="StreamsOrder", Item={"id": {"S": "a"}, "v": {"N": "1"}})
        self.ddb.update_item(TableName="StreamsOrder", Key={"id": {"S": "a"}},
                             UpdateExpression="SET v = :v",
                             ExpressionAttributeValues={":v": {"N": "2"}})
        self.ddb.batch_write_item(RequestItems={"StreamsOrder": [
            {"PutRequest": {"Item": {"id": {"S": "b"}}}},
            {"PutRequest": {"Item": {"id": {"S": "c"}}}}]})
        self.ddb.delete_item(TableName="StreamsOrder", Key={"id": {"S": "a"}})
        records = self.read_all(arn)
        self.assertEqual([r["eventName"] for r in records],
                         ["INSERT", "MODIFY", "INSERT", "INSERT", "REMOVE"])
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        self.assertEqual(seqs, sorted(set(seqs)))
        modify = records[1]
        self.assertEqual(modify["eventSource"], "aws:dynamodb")
        self.assertEqual(modify["dynamodb"]["Keys"], {"id": {"S": "a"}})
        self.assertEqual(modify["dynamodb"]["OldImage"]["v"], {"N": "1"})
        self.assertEqual(modify["dynamodb"]["NewImage"]["v"], {"N": "2"})
        self.assertEqual(modify["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        # botocore parses ApproximateCreationDateTime as a timestamp.
        self.assertTrue(hasattr(modify["dynamodb"]["ApproximateCreationDateTime"], "year"))
        self.assertNotIn("NewImage", records[4]["dynamodb"])

    def test_list_and_describe_and_a_new_stream_after_re_enabling(self):
        first = self.create("StreamsCycle", "KEYS_ONLY")
        listed = self.streams.list_streams(TableName="StreamsCycle")["Streams"]
        self.assertEqual([s["StreamArn"] for s in listed], [first])
        self.ddb.update_table(TableName="StreamsCycle",
                              StreamSpecification={"StreamEnabled": False})
        desc = self.streams.describe_stream(StreamArn=first)["StreamDescription"]
        self.assertEqual(desc["StreamStatus"], "DISABLED")
        self.assertEqual(desc["KeySchema"], [{"AttributeName": "id", "KeyType": "HASH"}])
        second = self.ddb.update_table(
            TableName="StreamsCycle",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
        )["TableDescription"]["LatestStreamArn"]
        self.assertNotEqual(first, second)
        listed = self.streams.list_streams(TableName="StreamsCycle")["Streams"]
        self.assertEqual(sorted(s["StreamArn"] for s in listed), sorted([first, second]))
        self.ddb.put_item(TableName="StreamsCycle", Item={"id": {"S": "x"}})
        records = self.read_all(second, limit=10)
        self.assertEqual(len(records), 1)
        self.assertEqual(records[0]["dynamodb"]["NewImage"], {"id": {"S": "x"}})
        self.assertEqual(self.read_all(first, limit=10), [])

    def test_errors_carry_aws_codes(self):
        arn = self.create("StreamsErrors", "KEYS_ONLY")
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.ddb.update_table(TableName="StreamsErrors", StreamSpecification={
                "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(self.streams.exceptions.ResourceNotFoundException):
            self.streams.describe_stream(StreamArn=arn + "x")
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            self.streams.get_records(ShardIterator="not-an-iterator")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")


if __name__ == "__main__":
    unittest.main(verbosity=2)
