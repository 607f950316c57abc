#!/usr/bin/python3
"""boto3_reads_test.py - issue 7 through the AWS SDK for Python (boto3,
Debian's python3-boto3) against a real wsgw process: Query (resource and
client, the query paginator), parallel Scan segments, batch_writer and
batch_get_item, transact_write_items / transact_get_items, TTL and tags.
Secondary indexes are not supported yet and are not tested here.

Run it with Debian's interpreter (the one python3-boto3 installs into):
    WSGW_BIN=/path/to/wsgw WSGW_SOURCE_DIR=/path/to/repo /usr/bin/python3 boto3_reads_test.py
or through ctest (ctest -R clients.boto3_reads), which sets both variables.
"""

import decimal
import sys
import unittest

try:
    import boto3  # noqa: F401  pylint: disable=unused-import
    from boto3.dynamodb.conditions import Attr, Key
except ImportError as err:  # fail loudly, never skip
    sys.stderr.write(
        "boto3_reads_test.py: cannot import boto3 (%s) with %s. Install Debian's python3-boto3 "
        "(run `make test` from the repository root, which installs it) and run this file "
        "with /usr/bin/python3.\n" % (err, sys.executable))
    sys.exit(1)

# No __pycache__ in the source tree for the shared module below.
sys.dont_write_bytecode = True
from wsgw_py import Server, make_client, make_resource  # pylint: disable=wrong-import-position

SERVER = None


def setUpModule():  # pylint: disable=invalid-name
    global SERVER  # pylint: disable=global-statement
    SERVER = Server(test_name="clients.boto3_reads", prefix="wsgw-boto3-reads-")


def tearDownModule():  # pylint: disable=invalid-name
    status = SERVER.stop()
    if status != 0:
        raise AssertionError("wsgw exited with status %s after SIGTERM\nstderr:\n%s"
                             % (status, SERVER.stderr()))


# Number sort keys in numeric order, negatives and a fraction included.
NUM_KEYS = [-10, decimal.Decimal("-2.5"), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]


class ReadsCase(unittest.TestCase):
    """One wsgw process for the module; each test uses its own tables."""

    @classmethod
    def setUpClass(cls):
        cls.ddb = make_client("dynamodb", SERVER.base_url)
        cls.resource = make_resource("dynamodb", SERVER.base_url)

    def create_table(self, name, sk_type="N"):
        out = self.ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": sk_type}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST")
        self.assertEqual(out["TableDescription"]["TableName"], name)
        return self.resource.Table(name)

    def number_table(self, name):
        """Partition 'p' holds NUM_KEYS; partition 'other' holds 1, 2, 3."""
        table = self.create_table(name)
        with table.batch_writer() as batch:
            for k in NUM_KEYS:
                batch.put_item(Item={"pk": "p", "sk": k, "odd": abs(k) % 2 == 1, "v": "v%s" % k})
            for k in (1, 2, 3):
                batch.put_item(Item={"pk": "other", "sk": k, "odd": False, "v": "o%s" % k})
        return table


class QueryTest(ReadsCase):

    def test_resource_query_with_key_conditions(self):
        table = self.number_table("PyQuery")
        out = table.query(KeyConditionExpression=Key("pk").eq("p"))
        self.assertEqual([it["sk"] for it in out["Items"]], NUM_KEYS, "numeric order")
        self.assertEqual(out["Count"], len(NUM_KEYS))
        self.assertNotIn("LastEvaluatedKey", out)

        between = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").between(-3, 2))
        self.assertEqual([it["sk"] for it in between["Items"]], [decimal.Decimal("-2.5"), 0, 1, 2])

        eq = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").eq(10))
        self.assertEqual(eq["Items"], [{"pk": "p", "sk": 10, "odd": False, "v": "v10"}])

        lt = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").lt(0))
        self.assertEqual([it["sk"] for it in lt["Items"]], [-10, decimal.Decimal("-2.5")])

        rev = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").gte(8),
                          ScanIndexForward=False)
        self.assertEqual([it["sk"] for it in rev["Items"]], [100, 10, 9, 8])

        filtered = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").between(0, 10),
                               FilterExpression=Attr("odd").eq(True))
        self.assertEqual([it["sk"] for it in filtered["Items"]], [1, 3, 5, 7, 9])
        self.assertEqual(filtered["Count"], 5)
        self.assertEqual(filtered["ScannedCount"], 11)

        count = table.query(KeyConditionExpression=Key("pk").eq("p"), Select="COUNT")
        self.assertNotIn("Items", count)
        self.assertEqual(count["Count"], len(NUM_KEYS))

    def test_begins_with_on_a_string_sort_key(self):
        table = self.create_table("PyQueryStr", sk_type="S")
        keys = ["2024-01-05", "2024-02-01", "2024-02-17", "2024-03-01", "zeta", "\u00e9"]
        with table.batch_writer() as batch:
            for k in keys:
                batch.put_item(Item={"pk": "log", "sk": k})
        out = table.query(KeyConditionExpression=Key("pk").eq("log") &
                          Key("sk").begins_with("2024-02"))
        self.assertEqual([it["sk"] for it in out["Items"]], ["2024-02-01", "2024-02-17"])
        everything = table.query(KeyConditionExpression=Key("pk").eq("log"))
        self.assertEqual([it["sk"] for it in everything["Items"]], keys, "UTF-8 byte order")

    def test_missing_partition_key_condition_is_a_validation_error(self):
        self.create_table("PyQueryBad")
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            self.ddb.query(TableName="PyQueryBad", KeyConditionExpression="sk = :s",
                           ExpressionAttributeValues={":s": {"N": "1"}})
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def test_limit_exclusive_start_key_and_the_query_paginator(self):
        table = self.number_table("PyQueryPage")
        seen, start, pages = [], None, 0
        while True:
            kwargs = {"KeyConditionExpression": Key("pk").eq("p"), "Limit": 4}
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = table.query(**kwargs)
            pages += 1
            self.assertLessEqual(out["Count"], 4)
            seen.extend(it["sk"] for it in out["Items"])
            start = out.get("LastEvaluatedKey")
            if not start:
                break
            self.assertEqual(set(start), {"pk", "sk"}, "LastEvaluatedKey is the table key")
            self.assertLess(pages, 10, "paging terminates")
        self.assertEqual(seen, NUM_KEYS, "every item once, in order")

        paginator = self.ddb.get_paginator("query")
        via, npages = [], 0
        for page in paginator.paginate(
                TableName="PyQueryPage", KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "p"}},
                PaginationConfig={"PageSize": 3}):
            npages += 1
            via.extend(it["sk"]["N"] for it in page["Items"])
        self.assertEqual(via, [str(k) for k in NUM_KEYS], "the query paginator sees every item")
        self.assertGreaterEqual(npages, 5)


class ScanSegmentsTest(ReadsCase):

    def test_parallel_scan_puts_every_item_in_exactly_one_segment(self):
        table = self.create_table("PySegments")
        n = 50
        with table.batch_writer() as batch:
            for i in range(n):
                batch.put_item(Item={"pk": "item-%d" % i, "sk": i % 3})
        total = 3
        segments = []
        for segment in range(total):
            got, start = [], None
            while True:
                kwargs = {"TableName": "PySegments", "Segment": segment,
                          "TotalSegments": total, "Limit": 6}
                if start:
                    kwargs["ExclusiveStartKey"] = start
                out = self.ddb.scan(**kwargs)
                got.extend("%s/%s" % (it["pk"]["S"], it["sk"]["N"]) for it in out["Items"])
                start = out.get("LastEvaluatedKey")
                if not start:
                    break
            segments.append(got)
        everything = [x for seg in segments for x in seg]
        self.assertEqual(len(everything), n, "segment sizes %s" % [len(s) for s in segments])
        self.assertEqual(sorted(everything), sorted("item-%d/%d" % (i, i % 3) for i in range(n)))
        self.assertGreaterEqual(sum(1 for s in segments if s), 2, "items spread over segments")

        paginator = self.ddb.get_paginator("scan")
        per_segment = [sum(p["Count"] for p in paginator.paginate(
            TableName="PySegments", Segment=s, TotalSegments=total,
            PaginationConfig={"PageSize": 5})) for s in range(total)]
        self.assertEqual(per_segment, [len(s) for s in segments])


class BatchTest(ReadsCase):

    def test_batch_writer_and_batch_get_item(self):
        table = self.create_table("PyBatch")
        with table.batch_writer() as batch:
            for i in range(30):  # more than 25: batch_writer sends two requests
                batch.put_item(Item={"pk": "b", "sk": i, "v": "x%d" % i, "extra": "e"})
        with table.batch_writer() as batch:
            batch.delete_item(Key={"pk": "b", "sk": 1})
            batch.delete_item(Key={"pk": "b", "sk": 2})
        count = table.query(KeyConditionExpression=Key("pk").eq("b"), Select="COUNT")
        self.assertEqual(count["Count"], 28)

        out = self.resource.batch_get_item(RequestItems={
            "PyBatch": {"Keys": [{"pk": "b", "sk": 0}, {"pk": "b", "sk": 1}, {"pk": "b", "sk": 29}],
                        "ProjectionExpression": "sk, #v", "ExpressionAttributeNames": {"#v": "v"},
                        "ConsistentRead": True}})
        self.assertEqual(out.get("UnprocessedKeys", {}), {})
        got = sorted(out["Responses"]["PyBatch"], key=lambda it: it["sk"])
        self.assertEqual(got, [{"sk": 0, "v": "x0"}, {"sk": 29, "v": "x29"}],
                         "the deleted key is absent; the projection keeps sk and v")

        raw = self.ddb.batch_get_item(RequestItems={
            "PyBatch": {"Keys": [{"pk": {"S": "b"}, "sk": {"N": "3"}}]}})
        self.assertEqual(raw["Responses"]["PyBatch"],
                         [{"pk": {"S": "b"}, "sk": {"N": "3"}, "v": {"S": "x3"}, "extra": {"S": "e"}}])


class TransactionTest(ReadsCase):

    def key(self, i):
        return {"pk": {"S": "tx"}, "sk": {"N": str(i)}}

    def test_transact_write_items_commits_or_cancels_with_reasons(self):
        self.create_table("PyTx")
        self.ddb.put_item(TableName="PyTx", Item=dict(self.key(3), n={"N": "1"}))
        self.ddb.put_item(TableName="PyTx", Item=dict(self.key(4)))
        self.ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "PyTx", "Item": dict(self.key(1), v={"S": "one"}),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": "PyTx", "Item": dict(self.key(2), v={"S": "two"})}},
            {"Update": {"TableName": "PyTx", "Key": self.key(3), "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": "PyTx", "Key": self.key(4)}},
        ])
        items = self.ddb.query(TableName="PyTx", KeyConditionExpression="pk = :p",
                               ExpressionAttributeValues={":p": {"S": "tx"}})["Items"]
        self.assertEqual([it["sk"]["N"] for it in items], ["1", "2", "3"])
        self.assertEqual(items[2]["n"], {"N": "2"})

        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as ctx:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "PyTx", "Item": dict(self.key(5))}},
                {"ConditionCheck": {"TableName": "PyTx", "Key": self.key(1),
                                    "ConditionExpression": "v = :x",
                                    "ExpressionAttributeValues": {":x": {"S": "nope"}}}},
                {"Delete": {"TableName": "PyTx", "Key": self.key(2)}},
            ])
        response = ctx.exception.response
        self.assertEqual(response["Error"]["Code"], "TransactionCanceledException")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual([r["Code"] for r in response["CancellationReasons"]],
                         ["None", "ConditionalCheckFailed", "None"])
        items = self.ddb.query(TableName="PyTx", KeyConditionExpression="pk = :p",
                               ExpressionAttributeValues={":p": {"S": "tx"}})["Items"]
        self.assertEqual([it["sk"]["N"] for it in items], ["1", "2", "3"],
                         "nothing of the cancelled transaction")

    def test_transact_get_items_in_request_order(self):
        self.create_table("PyTxGet")
        for i in (1, 2, 3):
            self.ddb.put_item(TableName="PyTxGet",
                              Item={"pk": {"S": "g"}, "sk": {"N": str(i)}, "v": {"S": "v%d" % i}})
        out = self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "PyTxGet", "Key": {"pk": {"S": "g"}, "sk": {"N": "2"}}}},
            {"Get": {"TableName": "PyTxGet", "Key": {"pk": {"S": "g"}, "sk": {"N": "77"}}}},
            {"Get": {"TableName": "PyTxGet", "Key": {"pk": {"S": "g"}, "sk": {"N": "1"}},
                     "ProjectionExpression": "v"}},
        ])
        responses = out["Responses"]
        self.assertEqual(len(responses), 3)
        self.assertEqual(responses[0]["Item"]["v"], {"S": "v2"})
        self.assertNotIn("Item", responses[1])
        self.assertEqual(responses[2]["Item"], {"v": {"S": "v1"}})


class TtlAndTagsTest(ReadsCase):

    def test_update_and_describe_time_to_live(self):
        self.create_table("PyTtl")
        desc = self.ddb.describe_time_to_live(TableName="PyTtl")["TimeToLiveDescription"]
        self.assertEqual(desc["TimeToLiveStatus"], "DISABLED")
        out = self.ddb.update_time_to_live(
            TableName="PyTtl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        self.assertEqual(out["TimeToLiveSpecification"], {"Enabled": True, "AttributeName": "ttl"})
        desc = self.ddb.describe_time_to_live(TableName="PyTtl")["TimeToLiveDescription"]
        self.assertEqual(desc["TimeToLiveStatus"], "ENABLED")
        self.assertEqual(desc["AttributeName"], "ttl")
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            self.ddb.update_time_to_live(
                TableName="PyTtl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def test_tag_list_and_untag_a_table(self):
        self.create_table("PyTags")
        arn = self.ddb.describe_table(TableName="PyTags")["Table"]["TableArn"]
        self.assertRegex(arn, r"^arn:aws:dynamodb:us-east-1:\d{12}:table/PyTags$")
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn).get("Tags", []), [])
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "chat"},
                                                     {"Key": "env", "Value": "dev"}])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "chat"}])
        self.ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "chat"}])


if __name__ == "__main__":
    unittest.main(verbosity=2)
