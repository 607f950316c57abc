/*
 * dynamo_policy.c - a table's resource-based policy: CreateTable's
 * ResourcePolicy, and GetResourcePolicy, PutResourcePolicy,
 * DeleteResourcePolicy (SPEC docs/spec/dynamodb.md 2.34).
 *
 * Record (store meta): "policy:<table id>" holds {"Policy": text,
 * "RevisionId": text}. Keyed by table id (ids are never reused), so a
 * re-created table starts without a policy; DeleteTable removes it
 * (dynamo_policy_drop). A RevisionId is the time in milliseconds of the
 * write that made it, made larger than the previous one.
 * DEVIATION: the policy is stored and returned, never enforced (wsgw
 * checks no permission), and visible at once (AWS applies it eventually).
 *
 * Ownership: requests are borrowed; responses are the caller's.
 * Threading: each operation is one store transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "emu_time.h"

/* SPEC docs/spec/dynamodb.md 2.34: 20 KB, white space counted. */
#define POLICY_MAX (20 * 1024)
#define REVISION_MAX 255
/* SPEC docs/spec/dynamodb.md 2.34: "To conditionally attach a policy when no
 * policy exists for the resource, specify NO_POLICY for the revision ID." */
#define NO_POLICY "NO_POLICY"

static void record_name(char *buf, size_t cap, uint32_t id) {
  snprintf(buf, cap, "policy:%u", id);
}

int dynamo_policy_check(const char *member, const char *policy, struct dynamo_error *err) {
  cJSON *doc;

  if (strlen(policy) > POLICY_MAX)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: %s: the policy document "
                            "exceeds the maximum size of 20 KB",
                            member);
  /* DEVIATION: IAM checks the policy's grammar; wsgw only that it is a JSON
   * object (the wording is wsgw's). */
  doc = cJSON_Parse(policy);
  if (!cJSON_IsObject(doc)) {
    cJSON_Delete(doc);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: %s: the policy document "
                            "is not a JSON object",
                            member);
  }
  cJSON_Delete(doc);
  return 0;
}

/* The table's record (a new tree), or NULL when it has none; -1 on a store
 * error. */
static int load(struct store_txn *t, uint32_t id, cJSON **rec) {
  struct emu_buf val;
  char key[32];
  int rc;

  *rec = NULL;
  record_name(key, sizeof(key), id);
  emu_buf_init(&val, 64 * 1024);
  rc = store_meta_get(t, key, &val);
  if (rc == STORE_OK)
    *rec = cJSON_ParseWithLength(val.data, val.len);
  emu_buf_free(&val);
  if (rc != STORE_OK && rc != STORE_NOT_FOUND)
    return -1;
  if (*rec && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(*rec, "RevisionId"))) {
    cJSON_Delete(*rec);
    *rec = NULL;
  }
  return 0;
}

static const char *revision_of(const cJSON *rec) {
  return cJSON_GetObjectItemCaseSensitive(rec, "RevisionId")->valuestring;
}

int dynamo_policy_store(struct store_txn *t, uint32_t id, const char *policy, char *rev,
                        size_t rev_cap) {
  long long now = (long long)emu_time_now_ms(), prev = 0;
  char key[32], *text;
  cJSON *rec;
  int rc;

  if (load(t, id, &rec) != 0)
    return -1;
  if (rec)
    prev = strtoll(revision_of(rec), NULL, 10);
  cJSON_Delete(rec);
  snprintf(rev, rev_cap, "%lld", now > prev ? now : prev + 1);
  rec = cJSON_CreateObject();
  cJSON_AddStringToObject(rec, "Policy", policy);
  cJSON_AddStringToObject(rec, "RevisionId", rev);
  text = cJSON_PrintUnformatted(rec);
  cJSON_Delete(rec);
  record_name(key, sizeof(key), id);
  rc = text ? store_meta_put(t, key, text, strlen(text)) : STORE_ERROR;
  cJSON_free(text);
  return rc == STORE_OK ? 0 : -1;
}

int dynamo_policy_drop(struct store_txn *t, uint32_t id) {
  char key[32];
  int rc;

  record_name(key, sizeof(key), id);
  rc = store_meta_del(t, key);
  return rc == STORE_OK || rc == STORE_NOT_FOUND ? 0 : -1;
}

/* ---- the operations -------------------------------------------------------- */

/* ResourceArn: the table it names, loaded in t (its id in *id).
 * DEVIATION: a table's ARN only (AWS also takes a stream's); the wording of
 * the not-found message is unverified. */
static int table_of(struct dynamo *db, struct store_txn *t, const cJSON *req, const char **arn,
                    uint32_t *id, struct dynamo_error *err) {
  char prefix[128], msg[1400];
  struct dynamo_table tb;
  const char *name;

  if (dynamo_req_string(req, "ResourceArn", arn, err) != 0)
    return -1;
  if (!*arn)
    return dynamo_error_null(err, "resourceArn");
  snprintf(prefix, sizeof(prefix), "arn:aws:dynamodb:%s:%s:table/", db->region, db->account);
  snprintf(msg, sizeof(msg), "Requested resource not found: ResourceArn: %.1300s not found", *arn);
  if (strncmp(*arn, prefix, strlen(prefix)) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND, "%s", msg);
  name = *arn + strlen(prefix);
  if (strlen(name) > 255 || strchr(name, '/'))
    return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND, "%s", msg);
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0)
    return -1;
  *id = tb.id;
  dynamo_table_free(&tb);
  return 0;
}

static int not_found(const char *arn, struct dynamo_error *err) {
  /* SPEC docs/spec/dynamodb.md 2.34: PolicyNotFoundException (wording
   * unverified). */
  return dynamo_error_set(err, DYNAMO_ERR_POLICY_NOT_FOUND,
                          "Resource-based policy not found for the provided ResourceArn: %.1300s",
                          arn);
}

/* ExpectedRevisionId: absent (NULL), or 1..255 characters. */
static int expected_revision(const cJSON *req, const char **out, struct dynamo_error *err) {
  if (dynamo_req_string(req, "ExpectedRevisionId", out, err) != 0)
    return -1;
  if (*out && (!**out || strlen(*out) > REVISION_MAX))
    return dynamo_error_violation(err, *out, 64,
                                  **out ? "Member must have length less than or equal to 255"
                                        : "Member must have length greater than or equal to 1",
                                  "expectedRevisionId");
  return 0;
}

int dynamo_policy_get(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct store_txn *t;
  const char *arn;
  cJSON *rec = NULL;
  uint32_t id;
  int rc;

  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  rc = table_of(db, t, req, &arn, &id, err);
  if (rc == 0 && load(t, id, &rec) != 0)
    rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
  store_txn_abort(t);
  if (rc != 0)
    return -1;
  if (!rec)
    return not_found(arn, err);
  *resp = rec;
  return 0;
}

int dynamo_policy_put(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *arn, *policy, *expected;
  struct store_txn *t;
  char rev[32];
  cJSON *rec = NULL;
  uint32_t id;
  int confirm, rc = -1;

  if (dynamo_req_string(req, "Policy", &policy, err) != 0 ||
      expected_revision(req, &expected, err) != 0 ||
      dynamo_req_bool(req, "ConfirmRemoveSelfResourceAccess", &confirm, err) != 0)
    return -1;
  if (!policy)
    return dynamo_error_null(err, "policy");
  if (dynamo_policy_check("Policy", policy, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  if (table_of(db, t, req, &arn, &id, err) != 0)
    goto out;
  if (load(t, id, &rec) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  /* SPEC docs/spec/dynamodb.md 2.34: an ExpectedRevisionId other than the
   * current one (NO_POLICY: there must be none) is PolicyNotFoundException. */
  if (expected && (rec ? strcmp(expected, revision_of(rec)) != 0 : strcmp(expected, NO_POLICY))) {
    not_found(arn, err);
    goto out;
  }
  /* SPEC docs/spec/dynamodb.md 2.34: "running it multiple times on the same
   * resource using the same policy document will return the same revision
   * ID". */
  if (rec && strcmp(cJSON_GetObjectItemCaseSensitive(rec, "Policy")->valuestring, policy) == 0) {
    snprintf(rev, sizeof(rev), "%s", revision_of(rec));
  } else {
    if (dynamo_policy_store(t, id, policy, rev, sizeof(rev)) != 0) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
      goto out;
    }
    rc = store_txn_commit(t);
    t = NULL;
    if (rc != STORE_OK) {
      rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
      goto out;
    }
  }
  *resp = cJSON_CreateObject();
  cJSON_AddStringToObject(*resp, "RevisionId", rev);
  rc = 0;
out:
  store_txn_abort(t);
  cJSON_Delete(rec);
  return rc;
}

int dynamo_policy_delete(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *arn, *expected;
  struct store_txn *t;
  cJSON *rec = NULL;
  uint32_t id;
  int rc = -1;

  if (expected_revision(req, &expected, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  if (table_of(db, t, req, &arn, &id, err) != 0)
    goto out;
  if (load(t, id, &rec) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  /* SPEC docs/spec/dynamodb.md 2.34: idempotent ("doesn't result in an
   * error response, unless you specify an ExpectedRevisionId"); the
   * RevisionId "will be empty if you make a request against a resource
   * without a policy". */
  if (expected && (!rec || strcmp(expected, revision_of(rec)) != 0)) {
    not_found(arn, err);
    goto out;
  }
  if (rec) {
    if (dynamo_policy_drop(t, id) != 0) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
      goto out;
    }
    rc = store_txn_commit(t);
    t = NULL;
    if (rc != STORE_OK) {
      rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
      goto out;
    }
  }
  *resp = cJSON_CreateObject();
  if (rec)
    cJSON_AddStringToObject(*resp, "RevisionId", revision_of(rec));
  rc = 0;
out:
  store_txn_abort(t);
  cJSON_Delete(rec);
  return rc;
}
