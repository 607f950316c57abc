#!/usr/bin/python3
"""boto3_partiql_test.py - PartiQL (issue 21) through the AWS SDK for Python
(boto3, Debian's python3-boto3) against a real wsgw process:
execute_statement (SELECT on the key, the partition and a scan, INSERT,
UPDATE, DELETE, Limit and NextToken), batch_execute_statement (an answer per
statement) and execute_transaction (reads, writes, CancellationReasons).

Run it with Debian's interpreter (the one python3-boto3 installs into):
    WSGW_BIN=/path/to/wsgw WSGW_SOURCE_DIR=/path/to/repo /usr/bin/python3 boto3_partiql_test.py
or through ctest (ctest -R clients.boto3_partiql), which sets both variables.
"""

import sys
import unittest

try:
    import boto3  # noqa: F401  pylint: disable=unused-import
except ImportError as err:  # fail loudly, never skip
    sys.stderr.write(
        "boto3_partiql_test.py: cannot import boto3 (%s) with %s. Install Debian's python3-boto3 "
        "(run `make test` from the repository root, which installs it) and run this file "
        "with /usr/bin/python3.\n" % (err, sys.executable))
    sys.exit(1)

# No __pycache__ in the source tree for the shared module below.
sys.dont_write_bytecode = True
from wsgw_py import Server, make_client  # pylint: disable=wrong-import-position

SERVER = None


def setUpModule():  # pylint: disable=invalid-name
    global SERVER  # pylint: disable=global-statement
    SERVER = Server(test_name="clients.boto3_partiql", prefix="wsgw-boto3-partiql-")


def tearDownModule():  # pylint: disable=invalid-name
    status = SERVER.stop()
    if status != 0:
        raise AssertionError("wsgw exited with status %s after SIGTERM\nstderr:\n%s"
                             % (status, SERVER.stderr()))


class PartiqlCase(unittest.TestCase):
    """One wsgw process and one table ("Orders": OrderID S, Line N) for the module; the
    tests run in name order, and only test_batch_and_transaction (Line 4) and
    test_writes_and_their_errors (Line 1, the last) change items others read."""

    @classmethod
    def setUpClass(cls):
        cls.ddb = make_client("dynamodb", SERVER.base_url)
        cls.ddb.create_table(
            TableName="Orders",
            AttributeDefinitions=[{"AttributeName": "OrderID", "AttributeType": "S"},
                                  {"AttributeName": "Line", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "OrderID", "KeyType": "HASH"},
                       {"AttributeName": "Line", "KeyType": "RANGE"}],
            BillingMode="PAY_PER_REQUEST")
        for line in range(1, 5):
            cls.ddb.execute_statement(
                Statement="INSERT INTO \"Orders\" VALUE {'OrderID': ?, 'Line': ?, 'Qty': ?}",
                Parameters=[{"S": "o1"}, {"N": str(line)}, {"N": str(line * 10)}])

    def test_select_reads_by_key_partition_and_scan(self):
        # "SELECT OrderID, Total FROM Orders WHERE OrderID = 1" style reads.
        one = self.ddb.execute_statement(
            Statement="SELECT Qty FROM \"Orders\" WHERE OrderID = 'o1' AND Line = 2")
        self.assertEqual(one["Items"], [{"Qty": {"N": "20"}}])
        part = self.ddb.execute_statement(
            Statement="SELECT Line FROM \"Orders\" WHERE OrderID = 'o1' AND Qty BETWEEN 20 AND 30 "
                      "ORDER BY Line DESC")
        self.assertEqual([it["Line"]["N"] for it in part["Items"]], ["3", "2"])
        scan = self.ddb.execute_statement(Statement="SELECT Line FROM \"Orders\" WHERE Qty = 10")
        self.assertEqual(scan["Items"], [{"Line": {"N": "1"}}])

    def test_limit_and_next_token_page(self):
        lines, token = [], None
        while True:
            kwargs = {"Statement": "SELECT Line FROM \"Orders\" WHERE OrderID = 'o1'", "Limit": 3}
            if token:
                kwargs["NextToken"] = token
            page = self.ddb.execute_statement(**kwargs)
            lines += [it["Line"]["N"] for it in page["Items"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(lines, ["1", "2", "3", "4"])

    def test_writes_and_their_errors(self):
        # "DuplicateItemException is returned" for an existing primary key.
        with self.assertRaises(self.ddb.exceptions.DuplicateItemException) as ctx:
            self.ddb.execute_statement(
                Statement="INSERT INTO \"Orders\" VALUE {'OrderID': 'o1', 'Line': 1}")
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "Duplicate primary key exists in table")
        out = self.ddb.execute_statement(
            Statement="UPDATE \"Orders\" SET Qty = Qty + 5 SET Notes = ? REMOVE Gone "
                      "WHERE OrderID = 'o1' AND Line = 1 RETURNING MODIFIED NEW *",
            Parameters=[{"L": [{"S": "rush"}]}])
        self.assertEqual(out["Items"], [{"Qty": {"N": "15"}, "Notes": {"L": [{"S": "rush"}]}}])
        # "ConditionalCheckFailedException" when the condition is false.
        with self.assertRaises(self.ddb.exceptions.ConditionalCheckFailedException):
            self.ddb.execute_statement(
                Statement="DELETE FROM \"Orders\" WHERE OrderID = 'o1' AND Line = 1 AND Qty = 0")
        with self.assertRaises(self.ddb.exceptions.ClientError) as ctx:
            self.ddb.execute_statement(Statement="DELETE FROM \"Orders\" WHERE Qty = 0")
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "Where clause does not contain a mandatory equality on all key attributes")

    def test_batch_and_transaction(self):
        batch = self.ddb.batch_execute_statement(Statements=[
            {"Statement": "SELECT Qty FROM \"Orders\" WHERE OrderID = 'o1' AND Line = 3"},
            {"Statement": "SELECT Qty FROM \"Orders\" WHERE OrderID = 'o1'"},
        ])["Responses"]
        self.assertEqual(batch[0]["Item"], {"Qty": {"N": "30"}})
        self.assertEqual(batch[1]["Error"]["Code"], "ValidationError")

        self.ddb.execute_transaction(TransactStatements=[
            {"Statement": "INSERT INTO \"Orders\" VALUE {'OrderID': 'o2', 'Line': 1}"},
            {"Statement": "UPDATE \"Orders\" SET Qty = 0 WHERE OrderID = 'o1' AND Line = 4"},
        ], ClientRequestToken="boto3-partiql-1")
        with self.assertRaises(self.ddb.exceptions.TransactionCanceledException) as ctx:
            self.ddb.execute_transaction(TransactStatements=[
                {"Statement": "INSERT INTO \"Orders\" VALUE {'OrderID': 'o2', 'Line': 1}"},
            ])
        self.assertEqual([r["Code"] for r in ctx.exception.response["CancellationReasons"]],
                         ["DuplicateItem"])
        read = self.ddb.execute_transaction(TransactStatements=[
            {"Statement": "SELECT Qty FROM \"Orders\" WHERE OrderID = 'o1' AND Line = 4"},
        ])
        self.assertEqual(read["Responses"], [{"Item": {"Qty": {"N": "0"}}}])


if __name__ == "__main__":
    unittest.main(verbosity=2)
