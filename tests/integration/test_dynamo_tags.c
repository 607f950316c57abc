/*
 * test_dynamo_tags.c - TagResource, UntagResource and ListTagsOfResource
 * through dynamo_api_call: the round trip, overwrites, the ARN checks, the
 * 50-tag limit after the merge, key/value validation with DynamoDB's
 * messages, all-or-nothing requests, NextToken, DeleteTable forgetting the
 * tags; and DescribeEndpoints/DescribeLimits. A fresh LMDB directory per
 * test (dynamo_rows fixture; region us-east-1, account 000000000000).
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_api.h"
#include "dynamo_rows.h"

#define ARN "arn:aws:dynamodb:us-east-1:000000000000:table/Users"

static const char create_users[] =
    "{\"TableName\":\"Users\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";

#define TAG(k, v) "{\"Key\":\"" k "\",\"Value\":\"" v "\"}"
#define TAGS(list) "{\"ResourceArn\":\"" ARN "\",\"Tags\":[" list "]}"
#define UNTAG(list) "{\"ResourceArn\":\"" ARN "\",\"TagKeys\":[" list "]}"
#define LIST "{\"ResourceArn\":\"" ARN "\"}"

static void tag_untag_list_round_trip(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"TableArn\":\"" ARN "\"",
       "the ARN the tag operations take"},
      {"ListTagsOfResource", LIST, 200, NULL, "{\"Tags\":[]}", "no tags yet"},
      {"TagResource", TAGS(TAG("team", "blue") "," TAG("env", "prod") "," TAG("empty", "")), 200,
       NULL, "{}", "an empty body on success; an empty value is fine"},
      {"ListTagsOfResource", LIST, 200, NULL,
       "{\"Tags\":[{\"Key\":\"empty\",\"Value\":\"\"},{\"Key\":\"env\",\"Value\":\"prod\"},"
       "{\"Key\":\"team\",\"Value\":\"blue\"}]}",
       "in key order, no NextToken"},
      {"TagResource", TAGS(TAG("team", "red")), 200, NULL, NULL, "overwrite a value"},
      {"ListTagsOfResource", LIST, 200, NULL, "{\"Key\":\"team\",\"Value\":\"red\"}",
       "overwritten"},
      {"UntagResource", UNTAG("\"env\",\"absent\""), 200, NULL, "{}", "absent keys are fine"},
      {"ListTagsOfResource", LIST, 200, NULL,
       "{\"Tags\":[{\"Key\":\"empty\",\"Value\":\"\"},{\"Key\":\"team\",\"Value\":\"red\"}]}",
       "env removed"},
      {"ListTagsOfResource", "{\"ResourceArn\":\"" ARN "\",\"NextToken\":\"empty\"}", 200, NULL,
       "{\"Tags\":[{\"Key\":\"team\",\"Value\":\"red\"}]}", "NextToken resumes after that key"},
      {"TagResource",
       TAGS(
           TAG("a b:c/d=e+f-g.h_i@j", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 caf\xc3\xa9 \xe8\xa1\xa8")),
       200, NULL, NULL, "the allowed punctuation; letters of any script"},
      {"UntagResource", UNTAG("\"empty\",\"team\",\"a b:c/d=e+f-g.h_i@j\""), 200, NULL, NULL,
       "remove all"},
      {"ListTagsOfResource", LIST, 200, NULL, "{\"Tags\":[]}", "none left"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

#define DENIED "com.amazon.coral.service#AccessDeniedException"

static void arns_and_requests_are_validated(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"TagResource", "{\"Tags\":[" TAG("a", "b") "]}", 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"Invalid TableArn\"", "no ResourceArn"},
      {"ListTagsOfResource", "{}", 400, DYNAMO_ROWS_VALIDATION, "\"message\":\"Invalid TableArn\"",
       "no ResourceArn"},
      {"TagResource", "{\"ResourceArn\":\"a:b:c:d:e:f/g\"}", 400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null\"",
       "no Tags (checked before the ARN's shape)"},
      {"UntagResource", "{\"ResourceArn\":\"" ARN "\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
       "no TagKeys"},
      {"TagResource", "{\"ResourceArn\":\"a:b:c:d:e:f/g\",\"Tags\":[" TAG("a", "b") "]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g\"",
       "not a DynamoDB ARN"},
      {"ListTagsOfResource",
       "{\"ResourceArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/ab\"}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:us-east-1:000000000000:table/ab\"",
       "a table name too short to exist"},
      {"ListTagsOfResource", "{\"ResourceArn\":\"" ARN "/index/gsi\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Invalid TableArn: Invalid ResourceArn provided as input", "index ARNs are not taggable"},
      {"TagResource", "{\"ResourceArn\":\"" ARN "\",\"Tags\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "\"Atleast one Tag needs to be provided as Input.\"", "empty Tags (sic)"},
      {"UntagResource", "{\"ResourceArn\":\"" ARN "\",\"TagKeys\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "\"Atleast one Tag Key needs to be provided as Input.\"", "empty TagKeys (sic)"},
      {"TagResource",
       "{\"ResourceArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Nope\",\"Tags\":[" TAG(
           "a", "b") "]}",
       400, DYNAMO_ROWS_NOT_FOUND,
       "\"Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/Nope not found\"",
       "no such table (sic ResourcArn)"},
      {"ListTagsOfResource",
       "{\"ResourceArn\":\"arn:aws:dynamodb:eu-west-1:000000000000:table/Users\"}", 400,
       DYNAMO_ROWS_NOT_FOUND,
       "Requested resource not found: ResourcArn: arn:aws:dynamodb:eu-west-1:", "another region"},
      /* SPEC docs/spec/dynamodb.md 2.24: another account's table, and a
       * ResourceArn not shaped like an ARN, are AccessDeniedException. */
      {"UntagResource",
       "{\"ResourceArn\":\"arn:aws:dynamodb:us-east-1:123456789012:table/Users\",\"TagKeys\":[\"a\"]}",
       400, DENIED,
       "\"User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:UntagResource "
       "on resource: arn:aws:dynamodb:us-east-1:123456789012:table/Users\"",
       "another account"},
      {"ListTagsOfResource", "{\"ResourceArn\":\"\"}", 400, DENIED,
       "is not authorized to perform: dynamodb:ListTagsOfResource on resource: *\"",
       "an empty ARN names the resource *"},
      {"ListTagsOfResource", "{\"ResourceArn\":\"abcd\"}", 400, DENIED,
       "dynamodb:ListTagsOfResource on resource: abcd\"", "not an ARN"},
      {"TagResource", "{\"ResourceArn\":\"a:b:c:d:e:f\",\"Tags\":[" TAG("a", "b") "]}", 400, DENIED,
       "dynamodb:TagResource on resource: a:b:c:d:e:f\"", "six fields but no '/'"},
      {"TagResource", "{\"ResourceArn\":\"a:b:c:d:e/f\",\"Tags\":[" TAG("a", "b") "]}", 400, DENIED,
       "dynamodb:TagResource on resource: a:b:c:d:e/f\"", "five fields"},
      {"TagResource", TAGS("{\"Value\":\"v\"}"), 400, DYNAMO_ROWS_VALIDATION,
       "\"The Tag Key provided is invalid, Key: null\"", "no Key"},
      {"TagResource", TAGS("{\"Key\":\"k\"}"), 400, DYNAMO_ROWS_VALIDATION,
       "\"The Tag Value provided is invalid, Value: null\"", "no Value"},
      {"TagResource", TAGS(TAG("", "v")), 400, DYNAMO_ROWS_VALIDATION,
       "\"The Tag Key provided is invalid, Key: \"", "empty key"},
      {"TagResource", TAGS(TAG("hi!", "v")), 400, DYNAMO_ROWS_VALIDATION,
       "\"The Tag Key provided is invalid, Key: hi!\"", "punctuation outside + - = . _ : / @"},
      {"TagResource", TAGS(TAG("k", "100%")), 400, DYNAMO_ROWS_VALIDATION,
       "\"The Tag Value provided is invalid, Value: 100%\"", "% in a value"},
      {"TagResource", TAGS(TAG("k", "\xf0\x9f\x94\x91")), 400, DYNAMO_ROWS_VALIDATION,
       "The Tag Value provided is invalid", "emoji"},
      {"TagResource", TAGS(TAG("good", "v") "," TAG("aws:zzz", "v")), 400, DYNAMO_ROWS_VALIDATION,
       "\"Tag Key cannot be prefixed with aws:, Key: aws:zzz\"", "reserved prefix"},
      {"TagResource", TAGS(TAG("dup", "1") "," TAG("dup", "2")), 400, DYNAMO_ROWS_VALIDATION,
       "\"Duplicate Tag Keys provided as input: Duplicate Tag Key found dup\"", "duplicate keys"},
      {"UntagResource", UNTAG("\"\""), 400, DYNAMO_ROWS_VALIDATION,
       "\"The Tag Key provided is invalid, Key: \"", "empty key to untag"},
      {"ListTagsOfResource", LIST, 200, NULL, "{\"Tags\":[]}",
       "every failed request changed nothing"},
      {"TagResource", "{\"ResourceArn\":\"" ARN "\",\"Tags\":{}}", 400, DYNAMO_ROWS_SERIALIZATION,
       NULL, "Tags of the wrong type"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

typedef int call_fn(struct dynamo *db, const char *operation, const char *body, size_t len,
                    struct emu_buf *out);

static void call_status_by(call_fn *call, struct dynamo *db, const char *op, const char *req,
                           int want, const char *contains) {
  struct emu_buf out;
  int status;

  emu_buf_init(&out, 1 << 20);
  status = call(db, op, req, strlen(req), &out);
  if (status != want || (contains && !strstr(out.data, contains)))
    fail_msg("%s: %d %s (wanted %d, %s)", op, status, out.data, want, contains ? contains : "");
  emu_buf_free(&out);
}

static void call_status(struct dynamo *db, const char *op, const char *req, int want,
                        const char *contains) {
  call_status_by(dynamo_api_call, db, op, req, want, contains);
}

static void key_and_value_lengths(void **state) {
  struct dynamo_fixture *f = *state;
  char key[130], value[258], req[1024];

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  memset(key, 'k', 129);
  key[129] = 0;
  memset(value, 'v', 257);
  value[257] = 0;
  snprintf(req, sizeof(req),
           "{\"ResourceArn\":\"" ARN "\",\"Tags\":[{\"Key\":\"%s\",\"Value\":\"v\"}]}", key);
  call_status(f->db, "TagResource", req, 400, "The Tag Key provided is invalid, Key: kkkk");
  snprintf(req, sizeof(req), "{\"ResourceArn\":\"" ARN "\",\"TagKeys\":[\"%s\"]}", key);
  call_status(f->db, "UntagResource", req, 400, "The Tag Key provided is invalid, Key: kkkk");
  snprintf(req, sizeof(req),
           "{\"ResourceArn\":\"" ARN "\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"%s\"}]}", value);
  call_status(f->db, "TagResource", req, 400, "The Tag Value provided is invalid, Value: vvvv");
  key[128] = 0;
  value[256] = 0;
  snprintf(req, sizeof(req),
           "{\"ResourceArn\":\"" ARN "\",\"Tags\":[{\"Key\":\"%s\",\"Value\":\"%s\"}]}", key,
           value);
  call_status(f->db, "TagResource", req, 200, NULL);
  /* 128 characters, not bytes: 128 two-byte letters. */
  {
    char wide[300];
    int i;
    for (i = 0; i < 128; i++) {
      wide[2 * i] = (char)0xD7;
      wide[2 * i + 1] = (char)0x90; /* U+05D0 HEBREW LETTER ALEF */
    }
    wide[256] = 0;
    snprintf(req, sizeof(req),
             "{\"ResourceArn\":\"" ARN "\",\"Tags\":[{\"Key\":\"%s\",\"Value\":\"v\"}]}", wide);
    call_status(f->db, "TagResource", req, 200, NULL);
  }
}

/* Tag keys and values are Unicode text: a malformed UTF-8 sequence is not a
 * character at all, so it is refused like a character outside the allowed
 * set (before emu_utf8, an overlong 'A' or a UTF-8-encoded surrogate
 * decoded to a code point and was accepted). */
static void tags_in_malformed_utf8_are_refused(void **state) {
  struct dynamo_fixture *f = *state;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  /* A body that is not UTF-8 is not JSON: SerializationException, on the
   * wire and from inside the process alike. */
  call_status(f->db, "TagResource", TAGS(TAG("k\xE0\x81\x81", "v")), 400,
              "SerializationException"); /* overlong 'A' */
  call_status_by(dynamo_api_call_internal, f->db, "TagResource", TAGS(TAG("k", "\xED\xA0\x80")),
                 400, "SerializationException"); /* U+D800, a surrogate */
  call_status_by(dynamo_api_call_internal, f->db, "UntagResource", UNTAG("\"k\xC3\""), 400,
                 "SerializationException"); /* cut short */
  call_status(f->db, "TagResource", TAGS(TAG("k\xC3\xA9", "v\xD7\x90")), 200, NULL);
}

static void fifty_tags_at_most_after_the_merge(void **state) {
  struct dynamo_fixture *f = *state;
  struct emu_buf req;
  cJSON *resp;
  int i;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  emu_buf_init(&req, 1 << 20);
  emu_buf_puts(&req, "{\"ResourceArn\":\"" ARN "\",\"Tags\":[");
  for (i = 0; i < 51; i++)
    emu_buf_printf(&req, "%s{\"Key\":\"k%02d\",\"Value\":\"v\"}", i ? "," : "", i);
  emu_buf_puts(&req, "]}");
  call_status(f->db, "TagResource", req.data, 400,
              "\"Number of Tags exceed the current limit for the provided ResourceArn\"");
  /* 30, then 20 of which 10 overlap: 40 in all. */
  emu_buf_reset(&req);
  emu_buf_puts(&req, "{\"ResourceArn\":\"" ARN "\",\"Tags\":[");
  for (i = 0; i < 30; i++)
    emu_buf_printf(&req, "%s{\"Key\":\"k%02d\",\"Value\":\"v\"}", i ? "," : "", i);
  emu_buf_puts(&req, "]}");
  call_status(f->db, "TagResource", req.data, 200, NULL);
  emu_buf_reset(&req);
  emu_buf_puts(&req, "{\"ResourceArn\":\"" ARN "\",\"Tags\":[");
  for (i = 20; i < 40; i++)
    emu_buf_printf(&req, "%s{\"Key\":\"k%02d\",\"Value\":\"w\"}", i > 20 ? "," : "", i);
  emu_buf_puts(&req, "]}");
  call_status(f->db, "TagResource", req.data, 200, NULL);
  /* 40 + 11 new = 51: refused, and nothing applied. */
  emu_buf_reset(&req);
  emu_buf_puts(&req, "{\"ResourceArn\":\"" ARN "\",\"Tags\":[");
  for (i = 40; i < 51; i++)
    emu_buf_printf(&req, "%s{\"Key\":\"k%02d\",\"Value\":\"x\"}", i > 40 ? "," : "", i);
  emu_buf_puts(&req, "]}");
  call_status(f->db, "TagResource", req.data, 400, "Number of Tags exceed the current limit");
  resp = dynamo_rows_call_ok(f->db, "ListTagsOfResource", LIST);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "Tags")), 40);
  assert_null(cJSON_GetObjectItemCaseSensitive(resp, "NextToken"));
  cJSON_Delete(resp);
  /* 40 + 10 = 50 is fine; all 50 come in one page. */
  emu_buf_reset(&req);
  emu_buf_puts(&req, "{\"ResourceArn\":\"" ARN "\",\"Tags\":[");
  for (i = 40; i < 50; i++)
    emu_buf_printf(&req, "%s{\"Key\":\"k%02d\",\"Value\":\"x\"}", i > 40 ? "," : "", i);
  emu_buf_puts(&req, "]}");
  call_status(f->db, "TagResource", req.data, 200, NULL);
  resp = dynamo_rows_call_ok(f->db, "ListTagsOfResource", LIST);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "Tags")), 50);
  assert_null(cJSON_GetObjectItemCaseSensitive(resp, "NextToken"));
  cJSON_Delete(resp);
  /* Untagging more than 50 keys at once is refused too. */
  emu_buf_reset(&req);
  emu_buf_puts(&req, "{\"ResourceArn\":\"" ARN "\",\"TagKeys\":[");
  for (i = 0; i < 51; i++)
    emu_buf_printf(&req, "%s\"k%02d\"", i ? "," : "", i);
  emu_buf_puts(&req, "]}");
  call_status(f->db, "UntagResource", req.data, 400, "Number of Tags exceed the current limit");
  emu_buf_free(&req);
}

static void delete_table_forgets_the_tags(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"TagResource", TAGS(TAG("team", "blue")), 200, NULL, NULL, "tag"},
      {"DeleteTable", "{\"TableName\":\"Users\"}", 200, NULL, NULL, "delete"},
      {"ListTagsOfResource", LIST, 400, DYNAMO_ROWS_NOT_FOUND,
       "Requested resource not found: ResourcArn:", "gone"},
      {"CreateTable", create_users, 200, NULL, NULL, "re-create under the same name (and ARN)"},
      {"ListTagsOfResource", LIST, 200, NULL, "{\"Tags\":[]}", "a new table starts untagged"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void endpoints_and_limits(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"DescribeEndpoints", "{}", 200, NULL,
       "{\"Endpoints\":[{\"Address\":\"dynamodb.us-east-1.amazonaws.com\",\"CachePeriodInMinutes\":1440}]}",
       "the regional endpoint, cached for a day"},
      {"DescribeLimits", "{}", 200, NULL,
       "{\"AccountMaxReadCapacityUnits\":80000,\"AccountMaxWriteCapacityUnits\":80000,"
       "\"TableMaxReadCapacityUnits\":40000,\"TableMaxWriteCapacityUnits\":40000}",
       "the default quotas"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(tag_untag_list_round_trip, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(arns_and_requests_are_validated, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(key_and_value_lengths, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(tags_in_malformed_utf8_are_refused, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(fifty_tags_at_most_after_the_merge, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(delete_table_forgets_the_tags, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(endpoints_and_limits, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_tags", tests, NULL, NULL);
}
