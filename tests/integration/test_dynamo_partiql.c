/*
 * test_dynamo_partiql.c - ExecuteStatement, BatchExecuteStatement and
 * ExecuteTransaction through dynamo_api_call: SELECT as GetItem, Query or
 * Scan (projections, nested paths, indexes and what they project, ORDER BY,
 * parameters, Limit and NextToken), INSERT with DuplicateItemException,
 * UPDATE with SET, REMOVE, list_append, set_add and set_delete, DELETE,
 * conditions, RETURNING, batches with per-statement errors and capacity,
 * transactions with CancellationReasons and ClientRequestToken, and
 * DynamoDB's validation messages. A fresh LMDB directory per test.
 *
 * Cases are rows (tests/integration/dynamo_rows.h); each row's reason
 * quotes the fact it checks, as docs/spec/dynamodb.md's PartiQL sections
 * record it (AWS documentation, or DynamoDB's observed messages).
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_api.h"
#include "emu_buf.h"

#include "dynamo_rows.h"

#define CANCELED "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
#define DUPLICATE "com.amazonaws.dynamodb.v20120810#DuplicateItemException"
#define MALFORMED "Statement wasn't well formed, can't be processed"

static const char create_music[] =
    "{\"TableName\":\"Music\",\"AttributeDefinitions\":[{\"AttributeName\":\"Artist\","
    "\"AttributeType\":\"S\"},{\"AttributeName\":\"SongTitle\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"AlbumTitle\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"Artist\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"SongTitle\",\"KeyType\":\"RANGE\"}],"
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ByAlbum\",\"KeySchema\":[{\"AttributeName\":"
    "\"AlbumTitle\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}},"
    "{\"IndexName\":\"AlbumKeys\",\"KeySchema\":[{\"AttributeName\":\"AlbumTitle\",\"KeyType\":"
    "\"HASH\"}],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
    "\"BillingMode\":\"PAY_PER_REQUEST\"}";
static const char create_users[] =
    "{\"TableName\":\"Users\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "\"BillingMode\":\"PAY_PER_REQUEST\"}";

#define ES(stmt) "{\"Statement\":\"" stmt "\"}"
#define ESP(stmt, params) "{\"Statement\":\"" stmt "\",\"Parameters\":[" params "]}"
#define SONG(artist, title, album, awards)                                 \
  "{\"TableName\":\"Music\",\"Item\":{\"Artist\":{\"S\":\"" artist         \
  "\"},\"SongTitle\":{\"S\":\"" title "\"},\"AlbumTitle\":{\"S\":\"" album \
  "\"},\"Awards\":{\"N\":\"" awards "\"}}}"

static void set_up(struct dynamo *db) {
  cJSON_Delete(dynamo_rows_call_ok(db, "CreateTable", create_music));
  cJSON_Delete(dynamo_rows_call_ok(db, "CreateTable", create_users));
  cJSON_Delete(dynamo_rows_call_ok(db, "PutItem", SONG("Acme", "PartiQL Rocks", "A1", "1")));
  cJSON_Delete(dynamo_rows_call_ok(db, "PutItem", SONG("Acme", "Second", "A1", "5")));
  cJSON_Delete(dynamo_rows_call_ok(db, "PutItem", SONG("Other", "Song", "A2", "3")));
  cJSON_Delete(dynamo_rows_call_ok(
      db, "PutItem",
      "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"u1\"},\"info\":{\"M\":{\"tags\":{\"L\":"
      "[{\"S\":\"a\"},{\"S\":\"b\"}]}}}}}"));
}

static void select_reads_items_by_key_partition_or_scan(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"ExecuteStatement",
       ES("SELECT * FROM \\\"Music\\\" WHERE Artist='Acme' AND SongTitle='PartiQL Rocks'"), 200,
       NULL, "\"Awards\":{\"N\":\"1\"}",
       "SELECT with equality on the partition and sort key returns that one item"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM Music WHERE Artist='Nobody' AND SongTitle='x'"), 200, NULL,
       "{\"Items\":[]}", "SELECT of an absent key returns no items"},
      {"ExecuteStatement", ES("SELECT SongTitle FROM Music WHERE Artist='Acme'"), 200, NULL,
       "\"Items\":[{\"SongTitle\":{\"S\":\"PartiQL Rocks\"}},{\"SongTitle\":{\"S\":\"Second\"}}]",
       "an equality condition on the partition key does not scan the table: the partition's "
       "items in sort key order, projected"},
      {"ExecuteStatement", ES("SELECT SongTitle FROM Music WHERE Artist='Acme' AND Awards > 2"),
       200, NULL, "\"Items\":[{\"SongTitle\":{\"S\":\"Second\"}}]",
       "other conditions filter the partition (OrderID = 100 and Address='some address')"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM Music WHERE Artist='Acme' AND SongTitle > 'Q'"), 200, NULL,
       "\"Items\":[{\"SongTitle\":{\"S\":\"Second\"}}]",
       "a sort key comparison narrows the partition"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM Music WHERE Artist='Acme' AND begins_with(SongTitle, 'Part')"),
       200, NULL, "\"Items\":[{\"SongTitle\":{\"S\":\"PartiQL Rocks\"}}]",
       "begins_with is one of PartiQL's functions for DynamoDB"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM Music WHERE Artist='Acme' AND SongTitle > 'A' AND SongTitle < "
          "'Q'"),
       200, NULL, "{\"Items\":[{\"SongTitle\":{\"S\":\"PartiQL Rocks\"}}]}",
       "two conditions on the sort key both apply"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM Music WHERE Artist='Acme' AND SongTitle <> "
          "'Second' AND Artist <> 'x'"),
       200, NULL, "{\"Items\":[{\"SongTitle\":{\"S\":\"PartiQL Rocks\"}}]}",
       "<> on key attributes filters"},
      {"ExecuteStatement", ES("SELECT Artist FROM Music WHERE AlbumTitle='A2'"), 200, NULL,
       "\"Items\":[{\"Artist\":{\"S\":\"Other\"}}]",
       "without an equality on the partition key a SELECT is a full table scan"},
      {"ExecuteStatement", ES("SELECT Artist FROM Music WHERE Artist='Other' OR Awards = 5"), 200,
       NULL, "\"Artist\":{\"S\":\"Other\"}",
       "OrderID = 100 OR Address='some address' results in a full table scan"},
      {"ExecuteStatement", ES("SELECT Artist FROM Music WHERE Artist IN ['Other', 'Nobody']"), 200,
       NULL, "\"Items\":[{\"Artist\":{\"S\":\"Other\"}}]",
       "IN with a list of values (OrderID IN [100, 300, 234])"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM \\\"Music\\\".\\\"ByAlbum\\\" WHERE AlbumTitle='A1'"), 200, NULL,
       "\"SongTitle\":{\"S\":\"Second\"}",
       "SELECT * FROM \\\"TableName\\\".\\\"IndexName\\\" reads an index"},
      {"ExecuteStatement",
       ES("SELECT Awards, Genre FROM \\\"Music\\\".\\\"AlbumKeys\\\" WHERE AlbumTitle='A1'"), 400,
       DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Global secondary index AlbumKeys does not "
       "project [Awards, Genre]",
       "a SELECT on a global secondary index names only what it projects"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM \\\"Music\\\".\\\"AlbumKeys\\\" WHERE AlbumTitle='A1' AND Awards > "
          "1"),
       400, DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Secondary index AlbumKeys does not project one "
       "or more filter attributes: [Awards]",
       "a keyed read's filter on an index names only what it projects"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM \\\"Music\\\".\\\"AlbumKeys\\\" WHERE Awards > 1"), 200, NULL,
       "{\"Items\":[]}",
       "unkeyed, the read scans the index, where the attribute is absent: nothing matches"},
      {"ExecuteStatement",
       ES("SELECT Artist FROM \\\"Music\\\".\\\"AlbumKeys\\\" WHERE AlbumTitle='A2'"), 200, NULL,
       "{\"Items\":[{\"Artist\":{\"S\":\"Other\"}}]}", "the table's keys are always projected"},
      {"ExecuteStatement",
       ES("SELECT SongTitle FROM Music WHERE Artist='Acme' ORDER BY SongTitle DESC"), 200, NULL,
       "\"Items\":[{\"SongTitle\":{\"S\":\"Second\"}},{\"SongTitle\":{\"S\":\"PartiQL Rocks\"}}]",
       "ORDER BY the sort key DESC returns the results in descending order"},
      {"ExecuteStatement",
       ESP("SELECT Awards FROM Music WHERE Artist=? AND SongTitle=?",
           "{\"S\":\"Acme\"},{\"S\":\"Second\"}"),
       200, NULL, "\"Items\":[{\"Awards\":{\"N\":\"5\"}}]",
       "Parameters hold the ? placeholders' values as AttributeValues"},
      {"ExecuteStatement", ES("SELECT info.tags[1] FROM Users WHERE id='u1'"), 200, NULL,
       "\"Items\":[{\"info\":{\"M\":{\"tags\":{\"L\":[{\"S\":\"b\"}]}}}}]",
       "a projection is attribute names or document paths"},
      {"ExecuteStatement", ES("SELECT id, info.tags FROM Users WHERE id='u1'"), 200, NULL,
       "\"Items\":[{\"id\":{\"S\":\"u1\"},\"tags\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}}]",
       "a nested path comes back under its last name (SELECT mymap.nested gives nested)"},
      {"ExecuteStatement",
       "{\"Statement\":\"SELECT * FROM Users WHERE id='u1'\",\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL, "\"ConsumedCapacity\":{\"TableName\":\"Users\",\"CapacityUnits\":0.5}",
       "ReturnConsumedCapacity: the ConsumedCapacity block comes back when asked"},
      {"ExecuteStatement", ES("SELECT id FROM Users WHERE nothing IS MISSING"), 200, NULL,
       "\"Items\":[{\"id\":{\"S\":\"u1\"}}]", "IS MISSING tests an attribute's absence"},
      {"ExecuteStatement", ES("SELECT id FROM Users WHERE info IS NOT MISSING AND id <> 'x'"), 200,
       NULL, "\"Items\":[{\"id\":{\"S\":\"u1\"}}]",
       "IS NOT MISSING and <> are PartiQL operators for DynamoDB"},
      {"ExecuteStatement", ESP("SELECT * FROM Music WHERE Artist=?", "{\"S\":\"a\"},{\"S\":\"b\"}"),
       400, DYNAMO_ROWS_VALIDATION, "Number of parameters in request and statement don't match.",
       "one Parameters entry per ?"},
      {"ExecuteStatement", ESP("SELECT * FROM Music WHERE Artist = ?", "{\"N\":\"abc\"}"), 400,
       DYNAMO_ROWS_VALIDATION, "\"The parameter cannot be converted to a numeric value: abc\"",
       "a Parameter is an AttributeValue: its number must be one"},
      {"ExecuteStatement", ESP("SELECT * FROM Music WHERE Artist = ?", "{}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Supplied AttributeValue is empty, must contain exactly one of the supported datatypes\"",
       "a Parameter holds exactly one type"},
      {"ExecuteStatement", ES("SELECT * FROM Music WHERE Awards = 1e500"), 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Number overflow. Attempting to store a number with magnitude larger than supported "
       "range\"",
       "a number literal follows DynamoDB's number rules, in their words"},
      {"ExecuteStatement", ES("SELEC * FROM Music"), 400, DYNAMO_ROWS_VALIDATION, MALFORMED,
       "a statement that is not PartiQL is refused"},
      {"ExecuteStatement", ES("SELECT * FROM Music WHERE Artist = 'a' garbage"), 400,
       DYNAMO_ROWS_VALIDATION, MALFORMED, "text after the statement is refused"},
      {"ExecuteStatement", ES("SELECT * FROM Nope"), 400, DYNAMO_ROWS_NOT_FOUND,
       "Requested resource not found", "the table must exist"},
      {"ExecuteStatement", ES("SELECT *, Artist FROM Music"), 400, DYNAMO_ROWS_VALIDATION,
       "Other attributes should not be present in the projection when '*' is used.",
       "a projection is * or a list, not both"},
      {"ExecuteStatement", ES("SELECT * FROM Music WHERE Awards = MISSING"), 400,
       DYNAMO_ROWS_VALIDATION, "MISSING must be compared using IS operator",
       "MISSING is tested with IS"},
      {"ExecuteStatement", ES("SELECT * FROM Music ORDER BY Artist"), 400, DYNAMO_ROWS_VALIDATION,
       "Must have WHERE clause in the statement when using ORDER BY clause.",
       "ORDER BY needs a WHERE clause"},
      {"ExecuteStatement",
       "{\"Statement\":\"SELECT * FROM \\\"Music\\\".\\\"ByAlbum\\\" WHERE AlbumTitle='A1'\","
       "\"ConsistentRead\":true}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Strongly consistent read is not supported on Global Secondary Indexes\"",
       "ConsistentRead is not supported on a global secondary index, in PartiQL's words"},
      {"ExecuteStatement", ES("SELECT * FROM \\\"Music\\\".\\\"Nope\\\" WHERE x = 1"), 400,
       DYNAMO_ROWS_VALIDATION, "\"The table does not have the specified index\"",
       "an unknown index; the message names no index"},
      {"ExecuteStatement", ES("SELECT * FROM \\\"\\\" WHERE pk = 'p'"), 400, DYNAMO_ROWS_VALIDATION,
       "Path component cannot be an empty string", "an empty table name"},
      {"ExecuteStatement",
       ESP("SELECT Artist FROM Music WHERE Artist = 'Acme' AND Awards < ?", "{\"BOOL\":true}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Incorrect operand type for operator or function; operator or function: <, operand "
       "type: BOOL\"",
       "a comparison the operand's type does not support, without an expression's prefix"},
      {"ExecuteStatement", "{\"Statement\":\"\"}", 400, DYNAMO_ROWS_VALIDATION,
       "at 'statement' failed to satisfy constraint: Member must have length greater than or "
       "equal to 1",
       "Statement: Length Constraints: Minimum length of 1"},
      {"ExecuteStatement", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'statement' failed to satisfy constraint: Member must not be null",
       "Statement is required"},
      {"ExecuteStatement", "{\"Statement\":\"SELECT * FROM Music\",\"Limit\":0}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than "
       "or equal to 1",
       "Limit: Valid Range: Minimum value of 1"},
      {"ExecuteStatement",
       "{\"Statement\":\"SELECT * FROM Music WHERE Artist='Acme'\",\"NextToken\":"
       "\"eyJzIjoiMDAwMDAwMDAwMDAwMDAwMCIsImsiOnt9fQ==\"}",
       400, DYNAMO_ROWS_VALIDATION, "NextToken does not match request",
       "a NextToken continues the statement that returned it"},
      {"ExecuteStatement",
       ES("UPDATE \\\"Music\\\".\\\"ByAlbum\\\" SET x = 1 WHERE Artist='Acme' AND SongTitle='Second'"),
       400, DYNAMO_ROWS_VALIDATION, "This operation is not supported on an index",
       "UPDATE and DELETE name a table, not an index"},
      {"ExecuteStatement", "{\"Statement\":\"SELECT * FROM Music\",\"NextToken\":\"!!\"}", 400,
       DYNAMO_ROWS_VALIDATION, "Invalid NextToken", "a NextToken must come from a response"},
  };
  set_up(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* "Limit: The maximum number of items to evaluate"; "NextToken: Set this
 * value to get remaining results, if NextToken was returned in the
 * statement response." */
static void limit_and_next_token_page_through_a_select(void **state) {
  struct dynamo_fixture *f = *state;
  char body[1024];
  int seen = 0, pages = 0;
  const char *token = NULL;
  cJSON *resp = NULL;

  set_up(f->db);
  do {
    const cJSON *next;
    if (token)
      snprintf(body, sizeof(body),
               "{\"Statement\":\"SELECT * FROM Music\",\"Limit\":1,\"NextToken\":\"%s\"}", token);
    else
      snprintf(body, sizeof(body), "{\"Statement\":\"SELECT * FROM Music\",\"Limit\":1}");
    cJSON_Delete(resp);
    resp = dynamo_rows_call_ok(f->db, "ExecuteStatement", body);
    seen += cJSON_GetArraySize(cJSON_GetObjectItem(resp, "Items"));
    next = cJSON_GetObjectItem(resp, "NextToken");
    token = cJSON_IsString(next) ? next->valuestring : NULL;
    pages++;
  } while (token && pages < 10);
  cJSON_Delete(resp);
  assert_int_equal(seen, 3);
  assert_true(pages >= 3);
}

static void insert_update_and_delete_write_one_item(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"ExecuteStatement",
       ES("INSERT INTO Users VALUE {'id':'a','n':1,'tags':<<'x','y'>>,'nums':<<1,2>>,"
          "'list':[1,'two'],'m':{'k':'v'},'nul':NULL,'b':TRUE,'gone':MISSING}"),
       200, NULL, "{\"Items\":[]}",
       "INSERT INTO table VALUE item adds one item; this statement does not return any values"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "\"tags\":{\"SS\":[\"x\",\"y\"]}", "<<'x','y'>> is a string set"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "\"list\":{\"L\":[{\"N\":\"1\"},{\"S\":\"two\"}]}", "[...] is a list"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}},\"nul\":{\"NULL\":true},\"b\":{\"BOOL\":true}}",
       "{...} is a map; NULL and TRUE are literals; a MISSING member is left out"},
      {"ExecuteStatement", ES("INSERT INTO Users VALUE {'id':'a'}"), 400, DUPLICATE,
       "Duplicate primary key exists in table",
       "If the DynamoDB table already has an item with the same primary key as the primary key "
       "of the item being inserted, DuplicateItemException is returned"},
      {"ExecuteStatement",
       ESP("INSERT INTO Users VALUE {'id':?,'n':?}", "{\"S\":\"p\"},{\"N\":\"7\"}"), 200, NULL,
       NULL, "INSERT takes ? Parameters"},
      {"ExecuteStatement",
       ES("UPDATE Users SET n = n + 1 SET list = list_append(list, [3]) SET tags = set_add(tags, "
          "<<'z'>>) REMOVE b WHERE id='a' RETURNING ALL NEW *"),
       200, NULL, "\"n\":{\"N\":\"2\"}",
       "UPDATE table SET path = data ... REMOVE path ... WHERE condition RETURNING ALL NEW *"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "\"tags\":{\"SS\":[\"x\",\"y\",\"z\"]}", "SET_ADD adds a value to a number or string set"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "\"list\":{\"L\":[{\"N\":\"1\"},{\"S\":\"two\"},{\"N\":\"3\"}]}",
       "LIST_APPEND adds a value to a list type"},
      {"ExecuteStatement",
       ES("UPDATE Users SET nums = set_delete(nums, <<1>>) WHERE id='a' RETURNING MODIFIED OLD *"),
       200, NULL, "{\"Items\":[{\"nums\":{\"NS\":[\"1\",\"2\"]}}]}",
       "SET_DELETE removes a value from a set; MODIFIED OLD * returns the updated attributes as "
       "they were"},
      {"ExecuteStatement", ES("UPDATE Users SET m.k = 'w' WHERE id='a' RETURNING MODIFIED NEW *"),
       200, NULL, "\"m\":{\"M\":{\"k\":{\"S\":\"w\"}}}",
       "a path may be a document path; MODIFIED NEW * returns the updated attributes"},
      {"ExecuteStatement", ES("UPDATE Users SET n = 5 WHERE id='nobody'"), 400,
       DYNAMO_ROWS_CONDITION, "The conditional request failed",
       "If the WHERE clause of the UPDATE statement does not evaluate to true for any item, "
       "ConditionalCheckFailedException is returned"},
      {"ExecuteStatement", ES("UPDATE Users SET n = 5 WHERE id='a' AND n = 99"), 400,
       DYNAMO_ROWS_CONDITION, NULL, "other WHERE conditions are the write's condition"},
      {"ExecuteStatement", ES("UPDATE Users SET n = 5 WHERE id = 'a' AND id = 'b'"), 400,
       DYNAMO_ROWS_VALIDATION,
       "Multiple conditions on same key id. Only single item Update/Insert/Delete are supported",
       "the condition must resolve to a single primary key value: the key once"},
      {"ExecuteStatement", ES("UPDATE Users SET n = 5 WHERE n = 2"), 400, DYNAMO_ROWS_VALIDATION,
       "Where clause does not contain a mandatory equality on all key attributes",
       "the condition must resolve to a single primary key value"},
      {"ExecuteStatement", ES("UPDATE Users SET tags = set_add(nums, <<'q'>>) WHERE id='a'"), 400,
       DYNAMO_ROWS_VALIDATION, "The first argument to SET_ADD must equal the assignment value",
       "SET_ADD adds to the attribute it assigns"},
      {"ExecuteStatement", ES("UPDATE Users SET tags = set_add(tags, 'q') WHERE id='a'"), 400,
       DYNAMO_ROWS_VALIDATION, "The second argument to SET_ADD must be a value with type SET",
       "SET_ADD takes a set"},
      {"ExecuteStatement", ES("DELETE FROM Users WHERE id='nobody'"), 200, NULL, "{\"Items\":[]}",
       "If the table does not have any item with the same primary key, SUCCESS is returned with "
       "0 items deleted"},
      {"ExecuteStatement", ES("DELETE FROM Users WHERE id='a' AND n = 99"), 400,
       DYNAMO_ROWS_CONDITION, NULL,
       "If the table has an item with same primary key, but the condition evaluates to false, "
       "ConditionalCheckFailedException is returned"},
      {"ExecuteStatement", ES("DELETE FROM Users WHERE id='a' AND n = 2 RETURNING ALL OLD *"), 200,
       NULL, "\"Items\":[{", "RETURNING ALL OLD * returns the deleted item"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL, "{}",
       "DELETE deleted it"},
      {"ExecuteStatement", ES("DELETE FROM Users WHERE id='p' RETURNING ALL NEW *"), 400,
       DYNAMO_ROWS_VALIDATION, "Only RETURNING ALL OLD * is allowed in DELETE statements",
       "DELETE returns only ALL OLD *"},
      {"ExecuteStatement", ES("INSERT INTO Users VALUES {'id':'b'}"), 400, DYNAMO_ROWS_VALIDATION,
       "Inserting multiple items in a single statement is not supported",
       "You can only insert one item at a time"},
      {"ExecuteStatement", ES("INSERT INTO Users VALUE {'id':'b','s':<<>>}"), 400,
       DYNAMO_ROWS_VALIDATION, "Empty bags are not supported", "a set is never empty"},
      {"ExecuteStatement", ES("EXISTS(SELECT * FROM Users WHERE id='p')"), 400,
       DYNAMO_ROWS_VALIDATION, "EXISTS can only be used in ExecuteTransaction write requests.",
       "EXISTS is for transactions"},
  };
  set_up(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void batches_answer_each_statement_on_its_own(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("INSERT INTO Users VALUE {'id':'x1'}") "," ES(
           "INSERT INTO Users VALUE {'id':'u1'}") "," ES("UPDATE Users SET n = 1 WHERE id='x1'") "]}",
       200, NULL,
       "{\"Responses\":[{\"TableName\":\"Users\"},{\"Error\":{\"Code\":\"DuplicateItem\","
       "\"Message\":\"Duplicate primary key exists in table\"},\"TableName\":\"Users\"},"
       "{\"TableName\":\"Users\"}]}",
       "A HTTP 200 response does not mean that all statements succeeded; error details are under "
       "the Error field of each BatchStatementResponse"},
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("SELECT n FROM Users WHERE id='x1'") "," ES(
           "SELECT * FROM Users WHERE id='none'") "," ES("SELECT * FROM Music WHERE "
                                                         "Artist='Acme'") "]}",
       200, NULL,
       "{\"Responses\":[{\"TableName\":\"Users\",\"Item\":{\"n\":{\"N\":\"1\"}}},{\"TableName\":"
       "\"Users\"},{\"Error\":{\"Code\":\"ValidationError\",\"Message\":\"Select statements "
       "within BatchExecuteStatement must specify the primary key in the where clause.\"},"
       "\"TableName\":\"Music\"}]}",
       "Each read statement in a BatchExecuteStatement must specify an equality condition on all "
       "key attributes"},
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("SELEC n FROM Users") "," ES(
           "SELECT id FROM Users WHERE id='x1'") "]}",
       200, NULL, "\"Item\":{\"id\":{\"S\":\"x1\"}}",
       "a malformed statement fails alone; the others run"},
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("SELECT * FROM Users WHERE id='x1'") "," ES(
           "DELETE FROM Users WHERE id='x1'") "]}",
       400, DYNAMO_ROWS_VALIDATION, "either read statements or write statements",
       "The entire batch must consist of either read statements or write statements"},
      {"BatchExecuteStatement",
       "{\"Statements\":[{\"Statement\":\"UPDATE Users SET n = 2 WHERE id='x1' AND n = 5\","
       "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}]}",
       200, NULL,
       "{\"Error\":{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request "
       "failed\",\"Item\":{\"id\":{\"S\":\"x1\"},\"n\":{\"N\":\"1\"}}}",
       "Item: the item which caused the condition check to fail, set if "
       "ReturnValuesOnConditionCheckFailure is specified as ALL_OLD"},
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("UPDATE Users SET n = 3 WHERE id='x1' RETURNING MODIFIED NEW *") "]}",
       200, NULL, "{\"Responses\":[{\"TableName\":\"Users\",\"Item\":{\"n\":{\"N\":\"3\"}}}]}",
       "BatchExecuteStatement honours RETURNING: the response's Item"},
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("UPDATE Users REMOVE n WHERE id='x1' RETURNING MODIFIED NEW "
                              "*") "]}",
       200, NULL, "{\"Responses\":[{\"TableName\":\"Users\"}]}",
       "an empty MODIFIED projection leaves Item out"},
      {"BatchExecuteStatement",
       "{\"Statements\":[{\"Statement\":\"SELECT * FROM Users WHERE id='x1'\","
       "\"ConsistentRead\":true},{\"Statement\":\"SELECT * FROM Users WHERE id='u1'\"}],"
       "\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL, "\"ConsumedCapacity\":[{\"TableName\":\"Users\",\"CapacityUnits\":1.5}]",
       "ReturnConsumedCapacity sums the members, each rated by its own ConsistentRead"},
      {"BatchExecuteStatement", "{\"Statements\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "at 'statements' failed to satisfy constraint: Member must have length greater than or "
       "equal to 1",
       "Statements: Minimum number of 1 item"},
      {"BatchExecuteStatement",
       "{\"Statements\":[" ES("DELETE FROM Users WHERE id='1'") "," ES("DELETE FROM Users WHERE id='2'") "," ES("DELETE FROM Users WHERE id='3'") "," ES("DELETE FROM Users WHERE id='4'") "," ES("DELETE FROM Users WHERE id='5'") "," ES("DELETE FROM Users WHERE id='6'") "," ES("DELETE FROM Users WHERE id='7'") "," ES("DELETE FROM Users WHERE id='8'") "," ES("DELETE FROM Users WHERE id='9'") "," ES("DELETE FROM Users WHERE id='10'") "," ES("DELETE FROM Users WHERE id='11'") "," ES("DELETE FROM Users WHERE id='12'") "," ES("DELETE FROM Users WHERE id='13'") "," ES(
           "DELETE FROM Users WHERE id='14'") "," ES("DELETE FROM Users WHERE id='15'") "," ES("DELETE FROM Users WHERE id='16'") "," ES("DELETE FROM Users WHERE id='17'") "," ES("DELETE FROM Users WHERE id='18'") "," ES("DELETE FROM Users WHERE id='19'") "," ES("DELETE FROM Users WHERE id='20'") "," ES("DELETE FROM Users WHERE id='21'") "," ES("DELETE FROM Users WHERE id='22'") "," ES("DELETE FROM Users WHERE id='23'") "," ES("DELETE FROM Users WHERE id='24'") "," ES("DELETE FROM Users WHERE id='25'") "," ES("DELETE FROM Users WHERE id='26'") "]}",
       400, DYNAMO_ROWS_VALIDATION, "Member must have length less than or equal to 25",
       "BatchExecuteStatement can perform no more than 25 statements per batch"},
  };
  set_up(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void transactions_apply_all_statements_or_none(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES(
           "EXISTS(SELECT * FROM Users WHERE id='u1' AND info IS NOT "
           "MISSING)") "," ES("INSERT INTO Users VALUE {'id':'t1'}") "," ES("UPDATE Music SET Awards = Awards + 1 WHERE Artist='Other' AND SongTitle='Song'") "]}",
       200, NULL, NULL,
       "EXISTS checks an item like ConditionCheck; INSERT and UPDATE apply together"},
      {"GetItem",
       "{\"TableName\":\"Music\",\"Key\":{\"Artist\":{\"S\":\"Other\"},\"SongTitle\":{\"S\":"
       "\"Song\"}}}",
       200, NULL, "\"Awards\":{\"N\":\"4\"}", "the transaction's UPDATE was applied"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES("INSERT INTO Users VALUE {'id':'t2'}") "," ES(
           "INSERT INTO Users VALUE {'id':'t1'}") "]}",
       400, CANCELED,
       "\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":\"DuplicateItem\",\"Message\":"
       "\"Duplicate primary key exists in table\"}]",
       "If any of the singleton INSERT, UPDATE or DELETE operations returns an error, the "
       "transaction is canceled with TransactionCanceledException and the reasons"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"t2\"}}}", 200, NULL, "{}",
       "a canceled transaction wrote nothing"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES(
           "EXISTS(SELECT * FROM Users WHERE id='u1' AND info IS "
           "MISSING)") "," ES("INSERT INTO Users VALUE {'id':'t3'}") "]}",
       400, CANCELED, "[ConditionalCheckFailed, None]", "a failed EXISTS cancels the transaction"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES("SELECT id FROM Users WHERE id='t1'") "," ES(
           "SELECT Awards FROM Music WHERE Artist='Other' AND SongTitle='Song'") "]}",
       200, NULL,
       "{\"Responses\":[{\"Item\":{\"id\":{\"S\":\"t1\"}}},{\"Item\":{\"Awards\":{\"N\":\"4\"}}}]}",
       "a read transaction returns the SELECTs' items in order"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES(
           "INSERT INTO Users VALUE {'id':'t9'}") "],"
                                                  "\"ClientRequestToken\":\"tok-1\"}",
       200, NULL, NULL, "ClientRequestToken: a write transaction with a token"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES(
           "INSERT INTO Users VALUE {'id':'t9'}") "],"
                                                  "\"ClientRequestToken\":\"tok-1\"}",
       200, NULL, NULL,
       "the same ClientRequestToken repeats the call's success instead of running it again"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES(
           "SELECT id FROM Users WHERE id='t9'") "],"
                                                 "\"ClientRequestToken\":\"tok-2\"}",
       200, NULL, "\"id\":{\"S\":\"t9\"}", "a read transaction with a token"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES("SELECT id FROM Users WHERE id='t1'") "," ES(
           "DELETE FROM Users WHERE id='t1'") "]}",
       400, DYNAMO_ROWS_VALIDATION, "either read statements or write statements",
       "The entire transaction must consist of either read statements or write statements"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES("SELECT * FROM Music WHERE Artist='Other'") "]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction "
       "must specify the primary key in the where clause.",
       "a transaction reads single items by key"},
      {"ExecuteTransaction",
       "{\"TransactStatements\":[" ES(
           "UPDATE Users SET n = 1 WHERE id='t1' RETURNING ALL NEW *") "]}",
       400, DYNAMO_ROWS_VALIDATION,
       "Validation failed in TransactStatements[0]: RETURNING clause is not supported in "
       "ExecuteTransaction.",
       "a transaction's statements return nothing; the error names the statement"},
      {"ExecuteTransaction", "{\"TransactStatements\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "at 'transactStatements' failed to satisfy constraint: Member must have length greater "
       "than or equal to 1",
       "TransactStatements: Minimum number of 1 item"},
  };
  set_up(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(select_reads_items_by_key_partition_or_scan,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(limit_and_next_token_page_through_a_select, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(insert_update_and_delete_write_one_item, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(batches_answer_each_statement_on_its_own, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(transactions_apply_all_statements_or_none, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_partiql", tests, NULL, NULL);
}
