/*
 * test_dynamo_table_options.c - CreateTable's optional settings are
 * honoured or refused, never dropped: Tags (ListTagsOfResource),
 * SSESpecification (SSEDescription), TableClass (TableClassSummary),
 * OnDemandThroughput, WarmThroughput, ResourcePolicy (GetResourcePolicy),
 * DeletionProtectionEnabled; and UpdateTable's TableClass,
 * SSESpecification, OnDemandThroughput and WarmThroughput. Each row quotes
 * the fact of docs/spec/dynamodb.md 2.30-2.34 it checks. A fresh LMDB directory per
 * test (dynamo_rows fixture; region us-east-1, account 000000000000).
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
#include "dynamo_rows.h"

#define ARN "arn:aws:dynamodb:us-east-1:000000000000:table/Opts"
#define KEYS                                                                                     \
  "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],\"KeySchema\":" \
  "[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]"
#define ON_DEMAND "{\"TableName\":\"Opts\"," KEYS ",\"BillingMode\":\"PAY_PER_REQUEST\""
#define PROVISIONED                                                                      \
  "{\"TableName\":\"Opts\"," KEYS ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":7," \
  "\"WriteCapacityUnits\":3}"
#define POLICY "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[]}"
#define DESCRIBE "{\"TableName\":\"Opts\"}"
#define NOT_CREATED                                              \
  {                                                              \
    "DescribeTable", DESCRIBE, 400, DYNAMO_ROWS_NOT_FOUND, NULL, \
        "the refused table was not "                             \
        "created"                                                \
  }

static void create_table_settings_are_described(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable",
       ON_DEMAND
       ",\"Tags\":[{\"Key\":\"team\",\"Value\":\"red\"},{\"Key\":\"env\",\"Value\":\"\"}],"
       "\"SSESpecification\":{\"Enabled\":true},\"TableClass\":\"STANDARD_INFREQUENT_ACCESS\","
       "\"OnDemandThroughput\":{\"MaxReadRequestUnits\":100,\"MaxWriteRequestUnits\":50},"
       "\"WarmThroughput\":{\"ReadUnitsPerSecond\":15000,\"WriteUnitsPerSecond\":5000},"
       "\"DeletionProtectionEnabled\":true,\"ResourcePolicy\":\"" POLICY "\"}",
       200, NULL, "\"TableClassSummary\":{\"TableClass\":\"STANDARD_INFREQUENT_ACCESS\"}",
       "2.32: TableClassSummary {TableClass} names the class CreateTable was given"},
      {"DescribeTable", DESCRIBE, 200, NULL,
       "\"SSEDescription\":{\"Status\":\"ENABLED\",\"SSEType\":\"KMS\",\"KMSMasterKeyArn\":"
       "\"arn:aws:kms:us-east-1:000000000000:key/",
       "2.31: Enabled true is KMS with the AWS managed key: Status ENABLED, SSEType KMS, the key's "
       "ARN"},
      {"DescribeTable", DESCRIBE, 200, NULL,
       "\"OnDemandThroughput\":{\"MaxReadRequestUnits\":100,\"MaxWriteRequestUnits\":50}",
       "2.33: the on-demand maxima are in the description"},
      {"DescribeTable", DESCRIBE, 200, NULL,
       "\"WarmThroughput\":{\"ReadUnitsPerSecond\":15000,\"WriteUnitsPerSecond\":5000,\"Status\":"
       "\"ACTIVE\"}",
       "2.33: the requested warm throughput, with its Status"},
      {"DescribeTable", DESCRIBE, 200, NULL, "\"DeletionProtectionEnabled\":true",
       "2.30: CreateTable's DeletionProtectionEnabled is honoured"},
      {"ListTagsOfResource", "{\"ResourceArn\":\"" ARN "\"}", 200, NULL,
       "{\"Tags\":[{\"Key\":\"env\",\"Value\":\"\"},{\"Key\":\"team\",\"Value\":\"red\"}]}",
       "2.30: CreateTable's Tags are the table's tags"},
      {"GetResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}", 200, NULL, "\"Policy\":\"" POLICY "\"",
       "2.34: GetResourcePolicy returns CreateTable's ResourcePolicy"},
      {"GetResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}", 200, NULL, "\"RevisionId\":\"",
       "2.34: with its RevisionId"},
      {"DeleteTable", DESCRIBE, 400, DYNAMO_ROWS_VALIDATION, "protected against deletion",
       "2.30: the protection CreateTable asked for"},
      {"UpdateTable", "{\"TableName\":\"Opts\",\"DeletionProtectionEnabled\":false}", 200, NULL,
       NULL, "lift the protection"},
      {"DeleteTable", DESCRIBE, 200, NULL, "\"TableStatus\":\"DELETING\"",
       "2.35: DeleteTable returns the description with TableStatus DELETING"},
      {"CreateTable", ON_DEMAND "}", 200, NULL, NULL, "the same name again"},
      {"ListTagsOfResource", "{\"ResourceArn\":\"" ARN "\"}", 200, NULL, "{\"Tags\":[]}",
       "a re-created table starts untagged"},
      {"GetResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}", 400,
       "com.amazonaws.dynamodb.v20120810#PolicyNotFoundException",
       "Resource-based policy not found for the provided ResourceArn: " ARN,
       "2.34: no policy: PolicyNotFoundException (DeleteTable removed the old one)"},
      {"GetResourcePolicy",
       "{\"ResourceArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Nope\"}", 400,
       DYNAMO_ROWS_NOT_FOUND, NULL, "2.34: the ARN of no table"},
      {"GetResourcePolicy", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'resourceArn' failed to satisfy constraint: Member must not be null",
       "ResourceArn is required"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static const cJSON *table_of(const cJSON *resp) {
  return cJSON_GetObjectItemCaseSensitive(resp, "Table");
}

static void plain_tables_get_the_defaults(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *resp;
  const cJSON *warm;

  /* 2.31/2.32: a plain table has no SSEDescription and no TableClassSummary;
   * 2.33: a new on-demand table's warm throughput is 12,000 reads and 4,000
   * writes per second. */
  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", ON_DEMAND "}"));
  resp = dynamo_rows_call_ok(f->db, "DescribeTable", DESCRIBE);
  assert_null(cJSON_GetObjectItemCaseSensitive(table_of(resp), "SSEDescription"));
  assert_null(cJSON_GetObjectItemCaseSensitive(table_of(resp), "TableClassSummary"));
  assert_null(cJSON_GetObjectItemCaseSensitive(table_of(resp), "OnDemandThroughput"));
  warm = cJSON_GetObjectItemCaseSensitive(table_of(resp), "WarmThroughput");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(warm, "ReadUnitsPerSecond")->valueint, 12000);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(warm, "WriteUnitsPerSecond")->valueint, 4000);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(warm, "Status")->valuestring, "ACTIVE");
  cJSON_Delete(resp);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "DeleteTable", DESCRIBE));

  /* 2.31: Enabled false is the AWS owned key: no SSEDescription. 2.33: a
   * provisioned table's warm throughput is its capacity. */
  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable",
                                   PROVISIONED ",\"SSESpecification\":{\"Enabled\":false}}"));
  resp = dynamo_rows_call_ok(f->db, "DescribeTable", DESCRIBE);
  assert_null(cJSON_GetObjectItemCaseSensitive(table_of(resp), "SSEDescription"));
  warm = cJSON_GetObjectItemCaseSensitive(table_of(resp), "WarmThroughput");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(warm, "ReadUnitsPerSecond")->valueint, 7);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(warm, "WriteUnitsPerSecond")->valueint, 3);
  cJSON_Delete(resp);
}

static void managed_key_and_named_keys(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *a, *b;
  const char *ka, *kb;

  /* 2.31: the AWS managed key (alias/aws/dynamodb) is one key: two tables
   * encrypted with it name the same ARN. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "CreateTable",
      ON_DEMAND ",\"SSESpecification\":{\"Enabled\":true,\"SSEType\":\"KMS\"}}"));
  a = dynamo_rows_call_ok(f->db, "DescribeTable", DESCRIBE);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "DeleteTable", DESCRIBE));
  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable",
                                   ON_DEMAND ",\"SSESpecification\":{\"Enabled\":true}}"));
  b = dynamo_rows_call_ok(f->db, "DescribeTable", DESCRIBE);
  ka = cJSON_GetObjectItemCaseSensitive(
           cJSON_GetObjectItemCaseSensitive(table_of(a), "SSEDescription"), "KMSMasterKeyArn")
           ->valuestring;
  kb = cJSON_GetObjectItemCaseSensitive(
           cJSON_GetObjectItemCaseSensitive(table_of(b), "SSEDescription"), "KMSMasterKeyArn")
           ->valuestring;
  assert_string_equal(ka, kb);
  cJSON_Delete(a);
  cJSON_Delete(b);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "DeleteTable", DESCRIBE));
  {
    static const struct dynamo_row rows[] = {
        {"CreateTable",
         ON_DEMAND ",\"SSESpecification\":{\"Enabled\":true,\"KMSMasterKeyId\":"
                   "\"1234abcd-12ab-34cd-56ef-1234567890ab\"}}",
         200, NULL,
         "\"KMSMasterKeyArn\":\"arn:aws:kms:us-east-1:000000000000:key/"
         "1234abcd-12ab-34cd-56ef-1234567890ab\"",
         "2.31: a key id names the key of this account and region"},
        {"DeleteTable", DESCRIBE, 200, NULL, NULL, "again"},
        {"CreateTable",
         ON_DEMAND ",\"SSESpecification\":{\"Enabled\":true,\"KMSMasterKeyId\":"
                   "\"arn:aws:kms:eu-west-1:111122223333:key/k1\"}}",
         200, NULL, "\"KMSMasterKeyArn\":\"arn:aws:kms:eu-west-1:111122223333:key/k1\"",
         "2.31: a key ARN is kept as given"},
    };
    dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  }
}

static void invalid_settings_are_refused(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", ON_DEMAND ",\"TableClass\":\"GLACIER\"}", 400, DYNAMO_ROWS_VALIDATION,
       "1 validation error detected: Value 'GLACIER' at 'tableClass' failed to satisfy "
       "constraint: Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]",
       "2.32: TableClass is STANDARD or STANDARD_INFREQUENT_ACCESS"},
      NOT_CREATED,
      {"CreateTable", ON_DEMAND ",\"Tags\":[{\"Key\":\"aws:x\",\"Value\":\"v\"}]}", 400,
       DYNAMO_ROWS_VALIDATION, "Tag Key cannot be prefixed with aws:, Key: aws:x",
       "2.30: CreateTable's Tags follow TagResource's rules"},
      NOT_CREATED,
      {"CreateTable",
       ON_DEMAND ",\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"},{\"Key\":\"a\",\"Value\":\"2\"}]}",
       400, DYNAMO_ROWS_VALIDATION,
       "Duplicate Tag Keys provided as input: Duplicate Tag Key found a",
       "2.30: duplicate keys, as TagResource"},
      {"CreateTable", ON_DEMAND ",\"Tags\":{}}", 400, DYNAMO_ROWS_SERIALIZATION, NULL,
       "Tags is a list"},
      {"CreateTable", PROVISIONED ",\"OnDemandThroughput\":{\"MaxReadRequestUnits\":5}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "OnDemandThroughput can only be specified when BillingMode is "
       "PAY_PER_REQUEST",
       "2.33: on-demand maxima belong to on-demand tables"},
      {"CreateTable", ON_DEMAND ",\"OnDemandThroughput\":{}}", 400, DYNAMO_ROWS_VALIDATION,
       "OnDemandThroughput requires MaxReadRequestUnits, MaxWriteRequestUnits, or both",
       "2.33: \"you must specify MaxReadRequestUnits, MaxWriteRequestUnits, or both\""},
      {"CreateTable", ON_DEMAND ",\"OnDemandThroughput\":{\"MaxReadRequestUnits\":0}}", 400,
       DYNAMO_ROWS_VALIDATION, "MaxReadRequestUnits must be -1 or at least 1",
       "2.33: a maximum is at least 1, or -1 for none"},
      {"CreateTable", ON_DEMAND ",\"WarmThroughput\":{\"ReadUnitsPerSecond\":100}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Requested ReadUnitsPerSecond for WarmThroughput for table is lower than initial "
       "throughput for OnDemand",
       "2.33: warm throughput below an on-demand table's 12,000 reads"},
      {"CreateTable", PROVISIONED ",\"WarmThroughput\":{\"WriteUnitsPerSecond\":2}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Requested WriteUnitsPerSecond for WarmThroughput for table is lower than "
       "WriteCapacityUnits of ProvisionedThroughput",
       "2.33: warm throughput below the provisioned capacity"},
      {"CreateTable", ON_DEMAND ",\"ResourcePolicy\":\"not json\"}", 400, DYNAMO_ROWS_VALIDATION,
       "ResourcePolicy: the policy document is not a JSON object",
       "2.34: a policy is a JSON document"},
      {"CreateTable", ON_DEMAND ",\"SSESpecification\":{\"Enabled\":true,\"SSEType\":\"RSA\"}}",
       400, DYNAMO_ROWS_VALIDATION,
       "Value 'RSA' at 'sSESpecification.sSEType' failed to satisfy constraint: Member must "
       "satisfy enum value set: [AES256, KMS]",
       "2.31: SSEType's enum"},
      {"CreateTable", ON_DEMAND ",\"SSESpecification\":{\"Enabled\":true,\"SSEType\":\"AES256\"}}",
       400, DYNAMO_ROWS_VALIDATION, "the only supported value is KMS",
       "2.31: KMS is the only supported SSEType"},
      {"CreateTable", ON_DEMAND ",\"SSESpecification\":{\"KMSMasterKeyId\":\"k1\"}}", 400,
       DYNAMO_ROWS_VALIDATION, "SSEType KMS and KMSMasterKeyId require Enabled true",
       "2.31: without Enabled the AWS owned key is used, so a key cannot be named"},
      NOT_CREATED,
      {"CreateTable", ON_DEMAND ",\"VectorIndexes\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "wsgw does not support VectorIndexes in CreateTable",
       "2.30: a member wsgw does not implement is refused, not dropped"},
      {"CreateTable", ON_DEMAND ",\"GlobalTableSourceArn\":\"" ARN "\"}", 400,
       DYNAMO_ROWS_VALIDATION, "wsgw does not support GlobalTableSourceArn in CreateTable",
       "2.30: wsgw has no global tables: refused"},
      NOT_CREATED,
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

#define GSI_KEYS                                                                  \
  "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}," \
  "{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],\"KeySchema\":"             \
  "[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]"
#define GSI(extra)                                                                        \
  "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byG\",\"KeySchema\":[{\"AttributeName\":" \
  "\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}" extra "}]"

static void global_indexes_have_their_settings(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable",
       "{\"TableName\":\"Opts\"," GSI_KEYS ",\"BillingMode\":\"PAY_PER_REQUEST\"," GSI(
           ",\"OnDemandThroughput\":{\"MaxReadRequestUnits\":9},\"WarmThroughput\":{"
           "\"ReadUnitsPerSecond\":20000}") "}",
       200, NULL,
       "\"OnDemandThroughput\":{\"MaxReadRequestUnits\":9,\"MaxWriteRequestUnits\":-1},"
       "\"WarmThroughput\":{\"ReadUnitsPerSecond\":20000,\"WriteUnitsPerSecond\":4000,"
       "\"Status\":\"ACTIVE\"}",
       "2.33: a GSI's OnDemandThroughput and WarmThroughput are in its description"},
      {"DeleteTable", DESCRIBE, 200, NULL, NULL, "again"},
      {"CreateTable",
       "{\"TableName\":\"Opts\"," GSI_KEYS
       ",\"BillingMode\":\"PAY_PER_REQUEST\"," GSI(",\"WarmThroughput\":{}") "}",
       400, DYNAMO_ROWS_VALIDATION,
       "WarmThroughput requires ReadUnitsPerSecond, WriteUnitsPerSecond, or both",
       "2.33: a GSI's settings are checked as the table's"},
      {"CreateTable", ON_DEMAND "}", 200, NULL, NULL, "a table without GSIs"},
      {"UpdateTable",
       "{\"TableName\":\"Opts\",\"AttributeDefinitions\":[{\"AttributeName\":\"g\","
       "\"AttributeType\":\"S\"}],\"GlobalSecondaryIndexUpdates\":[{\"Create\":{"
       "\"IndexName\":\"byG\",\"KeySchema\":[{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],"
       "\"Projection\":{\"ProjectionType\":\"ALL\"}}}]}",
       200, NULL,
       "\"WarmThroughput\":{\"ReadUnitsPerSecond\":12000,\"WriteUnitsPerSecond\":4000,"
       "\"Status\":\"ACTIVE\"}}]",
       "2.33: a GSI added by UpdateTable has the default warm throughput too"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

#define POLICY_B \
  "{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Deny\\\"}]}"
#define PUT_POLICY(policy, extra) "{\"ResourceArn\":\"" ARN "\",\"Policy\":\"" policy "\"" extra "}"
#define POLICY_NOT_FOUND "com.amazonaws.dynamodb.v20120810#PolicyNotFoundException"

static char *revision_of(cJSON *resp) {
  char *rev = strdup(cJSON_GetObjectItemCaseSensitive(resp, "RevisionId")->valuestring);
  cJSON_Delete(resp);
  return rev;
}

/* SPEC docs/spec/dynamodb.md 2.34: PutResourcePolicy is idempotent ("the same policy document
 * will return the same revision ID"), ExpectedRevisionId guards it (NO_POLICY: none may exist),
 * DeleteResourcePolicy is idempotent unless ExpectedRevisionId is given, a mismatch is
 * PolicyNotFoundException. */
static void resource_policies_are_put_read_and_deleted(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row before[] = {
      {"CreateTable", ON_DEMAND "}", 200, NULL, NULL, "set-up"},
      {"DeleteResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}", 200, NULL, "{}",
       "2.34: deleting no policy is fine, and no RevisionId"},
      {"DeleteResourcePolicy", "{\"ResourceArn\":\"" ARN "\",\"ExpectedRevisionId\":\"1\"}", 400,
       POLICY_NOT_FOUND, NULL, "2.34: unless a revision is expected"},
      {"PutResourcePolicy", PUT_POLICY(POLICY, ",\"ExpectedRevisionId\":\"5\""), 400,
       POLICY_NOT_FOUND, NULL, "2.34: an expected revision of no policy"},
      {"PutResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'policy' failed to satisfy constraint: Member must not be null",
       "Policy is required"},
      {"PutResourcePolicy", PUT_POLICY("[]", ""), 400, DYNAMO_ROWS_VALIDATION,
       "Policy: the policy document is not a JSON object", "2.34: a JSON policy document"},
      {"PutResourcePolicy",
       "{\"ResourceArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Nope\",\"Policy\":\"" POLICY
       "\"}",
       400, DYNAMO_ROWS_NOT_FOUND, NULL, "the ARN of no table"},
  };
  cJSON *resp;
  char *rev1, *rev2;
  char req[512];

  dynamo_rows_run(f->db, before, sizeof(before) / sizeof(before[0]));
  rev1 = revision_of(dynamo_rows_call_ok(
      f->db, "PutResourcePolicy", PUT_POLICY(POLICY, ",\"ExpectedRevisionId\":\"NO_POLICY\"")));
  rev2 = revision_of(dynamo_rows_call_ok(f->db, "PutResourcePolicy", PUT_POLICY(POLICY, "")));
  assert_string_equal(rev1, rev2); /* the same document, the same revision */
  free(rev2);
  {
    static const struct dynamo_row rows[] = {
        {"PutResourcePolicy", PUT_POLICY(POLICY_B, ",\"ExpectedRevisionId\":\"NO_POLICY\""), 400,
         POLICY_NOT_FOUND, NULL, "2.34: NO_POLICY while a policy exists"},
    };
    dynamo_rows_run(f->db, rows, 1);
  }
  snprintf(req, sizeof(req), PUT_POLICY(POLICY_B, ",\"ExpectedRevisionId\":\"%s\""), rev1);
  rev2 = revision_of(dynamo_rows_call_ok(f->db, "PutResourcePolicy", req));
  assert_string_not_equal(rev1, rev2);
  resp = dynamo_rows_call_ok(f->db, "GetResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(resp, "RevisionId")->valuestring, rev2);
  assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(resp, "Policy")->valuestring, "Deny"));
  cJSON_Delete(resp);
  snprintf(req, sizeof(req), "{\"ResourceArn\":\"" ARN "\",\"ExpectedRevisionId\":\"%s\"}", rev1);
  {
    struct dynamo_row rows[] = {
        {"DeleteResourcePolicy", req, 400, POLICY_NOT_FOUND, NULL,
         "2.34: a stale ExpectedRevisionId"},
    };
    dynamo_rows_run(f->db, rows, 1);
  }
  snprintf(req, sizeof(req), "{\"ResourceArn\":\"" ARN "\",\"ExpectedRevisionId\":\"%s\"}", rev2);
  resp = dynamo_rows_call_ok(f->db, "DeleteResourcePolicy", req);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(resp, "RevisionId")->valuestring, rev2);
  cJSON_Delete(resp);
  {
    static const struct dynamo_row rows[] = {
        {"GetResourcePolicy", "{\"ResourceArn\":\"" ARN "\"}", 400, POLICY_NOT_FOUND, NULL,
         "2.34: deleted"},
    };
    dynamo_rows_run(f->db, rows, 1);
  }
  free(rev1);
  free(rev2);
}

static void update_table_changes_the_settings(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *resp;
  static const struct dynamo_row rows[] = {
      {"CreateTable", ON_DEMAND "}", 200, NULL, NULL, "set-up"},
      {"UpdateTable", "{\"TableName\":\"Opts\",\"TableClass\":\"STANDARD_INFREQUENT_ACCESS\"}", 200,
       NULL,
       "\"TableClassSummary\":{\"TableClass\":\"STANDARD_INFREQUENT_ACCESS\","
       "\"LastUpdateDateTime\":",
       "2.32: UpdateTable changes the class and records LastUpdateDateTime"},
      {"UpdateTable", "{\"TableName\":\"Opts\",\"TableClass\":\"BRONZE\"}", 400,
       DYNAMO_ROWS_VALIDATION, "at 'tableClass' failed to satisfy constraint",
       "2.32: the same enum in UpdateTable"},
      {"UpdateTable", "{\"TableName\":\"Opts\",\"SSESpecification\":{\"Enabled\":true}}", 200, NULL,
       "\"SSEDescription\":{\"Status\":\"ENABLED\",\"SSEType\":\"KMS\"",
       "2.31: UpdateTable switches to a KMS key"},
      {"UpdateTable",
       "{\"TableName\":\"Opts\",\"OnDemandThroughput\":{\"MaxWriteRequestUnits\":20}}", 200, NULL,
       "\"OnDemandThroughput\":{\"MaxReadRequestUnits\":-1,\"MaxWriteRequestUnits\":20}",
       "2.33: a maximum not given is -1 (none)"},
      {"UpdateTable", "{\"TableName\":\"Opts\",\"WarmThroughput\":{\"ReadUnitsPerSecond\":20000}}",
       200, NULL,
       "\"WarmThroughput\":{\"ReadUnitsPerSecond\":20000,\"WriteUnitsPerSecond\":4000,\"Status\":"
       "\"ACTIVE\"}",
       "2.33: warm throughput raised"},
      {"UpdateTable", "{\"TableName\":\"Opts\",\"WarmThroughput\":{\"ReadUnitsPerSecond\":13000}}",
       400, DYNAMO_ROWS_VALIDATION, "lower than the current value",
       "2.33: \"Once increased, warm throughput values can't be decreased\""},
      {"UpdateTable",
       "{\"TableName\":\"Opts\",\"GlobalSecondaryIndexUpdates\":[{\"Update\":{\"IndexName\":"
       "\"x\",\"WarmThroughput\":{\"ReadUnitsPerSecond\":20000}}}]}",
       400, DYNAMO_ROWS_VALIDATION,
       "wsgw does not support WarmThroughput or OnDemandThroughput in GlobalSecondaryIndexUpdates",
       "2.30: refused, not dropped"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  /* 2.33: a switch to PROVISIONED drops the on-demand maxima. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "UpdateTable",
      "{\"TableName\":\"Opts\",\"BillingMode\":\"PROVISIONED\",\"ProvisionedThroughput\":{"
      "\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1}}"));
  resp = dynamo_rows_call_ok(f->db, "DescribeTable", DESCRIBE);
  assert_null(cJSON_GetObjectItemCaseSensitive(table_of(resp), "OnDemandThroughput"));
  cJSON_Delete(resp);
  /* 2.31: Enabled false goes back to the AWS owned key: no SSEDescription. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "UpdateTable", "{\"TableName\":\"Opts\",\"SSESpecification\":{\"Enabled\":false}}"));
  resp = dynamo_rows_call_ok(f->db, "DescribeTable", DESCRIBE);
  assert_null(cJSON_GetObjectItemCaseSensitive(table_of(resp), "SSEDescription"));
  cJSON_Delete(resp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(create_table_settings_are_described, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(plain_tables_get_the_defaults, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(managed_key_and_named_keys, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(invalid_settings_are_refused, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(global_indexes_have_their_settings, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(resource_policies_are_put_read_and_deleted, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(update_table_changes_the_settings, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_table_options", tests, NULL, NULL);
}
