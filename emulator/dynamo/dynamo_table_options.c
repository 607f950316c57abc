/*
 * dynamo_table_options.c - a table's optional settings, as CreateTable and
 * UpdateTable take them and DescribeTable shows them: Tags,
 * SSESpecification, TableClass, OnDemandThroughput, WarmThroughput,
 * ResourcePolicy and DeletionProtectionEnabled.
 *
 * Every setting is either honoured or refused with an error naming it:
 * none is dropped (SPEC docs/spec/dynamodb.md 2.30).
 *   - Tags: checked as TagResource checks them (dynamo_tags.c) and stored
 *     in the same transaction as the table;
 *   - SSESpecification, TableClass, OnDemandThroughput, WarmThroughput:
 *     members of the stored TableDescription (SSEDescription,
 *     TableClassSummary, OnDemandThroughput, WarmThroughput);
 *   - ResourcePolicy: checked and stored by dynamo_policy.c, where
 *     GetResourcePolicy reads it back.
 * The AWS managed key of SSE (alias/aws/dynamodb) is one per emulator: its
 * id is drawn once and kept in the record "kms:aws/dynamodb".
 *
 * Ownership: requests are borrowed; descriptions are the caller's, changed
 * in place. Threading: runs inside the caller's store transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "emu_id.h"
#include "emu_time.h"

/* SPEC docs/spec/dynamodb.md 2.33: a new on-demand table's warm throughput. */
#define WARM_READ_ON_DEMAND 12000
#define WARM_WRITE_ON_DEMAND 4000

#define TABLE_CLASS_ENUM \
  "Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]"
#define SSE_TYPE_ENUM "Member must satisfy enum value set: [AES256, KMS]"

static double now_s(void) {
  return (double)emu_time_now_ms() / 1000.0;
}

/* ---- TableClass ------------------------------------------------------------ */

static int check_table_class(const cJSON *req, const char **out, struct dynamo_error *err) {
  if (dynamo_req_string(req, "TableClass", out, err) != 0)
    return -1;
  /* SPEC docs/spec/dynamodb.md 2.32: STANDARD or STANDARD_INFREQUENT_ACCESS. */
  if (*out && strcmp(*out, "STANDARD") && strcmp(*out, "STANDARD_INFREQUENT_ACCESS"))
    return dynamo_error_violation(err, *out, 64, TABLE_CLASS_ENUM, "tableClass");
  return 0;
}

static void set_table_class(cJSON *desc, const char *cls, int updated) {
  cJSON *sum = cJSON_CreateObject();

  cJSON_AddStringToObject(sum, "TableClass", cls);
  if (updated)
    cJSON_AddNumberToObject(sum, "LastUpdateDateTime", now_s());
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "TableClassSummary");
  cJSON_AddItemToObject(desc, "TableClassSummary", sum);
}

/* ---- SSESpecification ------------------------------------------------------ */

struct sse {
  int given;        /* the member is there */
  int enabled;      /* Enabled: true */
  const char *type; /* SSEType, or NULL */
  const char *key;  /* KMSMasterKeyId, or NULL */
};

static int check_sse(const cJSON *req, struct sse *s, struct dynamo_error *err) {
  cJSON *spec;

  memset(s, 0, sizeof(*s));
  if (dynamo_req_object(req, "SSESpecification", &spec, err) != 0)
    return -1;
  if (!spec)
    return 0;
  s->given = 1;
  if (dynamo_req_bool(spec, "Enabled", &s->enabled, err) != 0 ||
      dynamo_req_string(spec, "SSEType", &s->type, err) != 0 ||
      dynamo_req_string(spec, "KMSMasterKeyId", &s->key, err) != 0)
    return -1;
  if (s->type && strcmp(s->type, "AES256") && strcmp(s->type, "KMS"))
    return dynamo_error_violation(err, s->type, 64, SSE_TYPE_ENUM, "sSESpecification.sSEType");
  /* DEVIATION: a key or a KMS type with encryption by the AWS owned key
   * (Enabled false or absent) is refused; AWS's answer is unverified. */
  if (!s->enabled && (s->key || (s->type && strcmp(s->type, "KMS") == 0)))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: SSESpecification: "
                            "SSEType KMS and KMSMasterKeyId require Enabled true");
  /* SPEC docs/spec/dynamodb.md 2.31: KMS is the only supported SSEType. */
  if (s->type && strcmp(s->type, "KMS") != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: SSESpecification: "
                            "SSEType %s is not supported, the only supported value is KMS",
                            s->type);
  if (s->key && (!s->key[0] || strlen(s->key) > 2048))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: SSESpecification: "
                            "invalid KMSMasterKeyId");
  return 0;
}

/* The ARN of the AWS managed key for DynamoDB, drawn on first use. */
static int managed_key(struct dynamo *db, struct store_txn *t, char *arn, size_t cap) {
  static const char rec[] = "kms:aws/dynamodb";
  char uuid[EMU_UUID_LEN + 1];
  struct emu_buf val;
  int rc;

  emu_buf_init(&val, 64);
  rc = store_meta_get(t, rec, &val);
  if (rc == STORE_OK && val.len == EMU_UUID_LEN) {
    memcpy(uuid, val.data, EMU_UUID_LEN);
    uuid[EMU_UUID_LEN] = 0;
  } else if (rc == STORE_NOT_FOUND) {
    emu_id_uuid(uuid);
    rc = store_meta_put(t, rec, uuid, EMU_UUID_LEN);
  } else {
    rc = STORE_ERROR;
  }
  emu_buf_free(&val);
  if (rc != STORE_OK)
    return -1;
  snprintf(arn, cap, "arn:aws:kms:%s:%s:key/%s", db->region, db->account, uuid);
  return 0;
}

/* SSEDescription for an enabled specification; removed when disabled. */
static int set_sse(struct dynamo *db, struct store_txn *t, const struct sse *s, cJSON *desc,
                   struct dynamo_error *err) {
  char arn[2200];
  cJSON *d;

  cJSON_DeleteItemFromObjectCaseSensitive(desc, "SSEDescription");
  /* SPEC docs/spec/dynamodb.md 2.31: the AWS owned key (Enabled false or
   * absent) has no SSEDescription. */
  if (!s->enabled)
    return 0;
  if (!s->key) {
    if (managed_key(db, t, arn, sizeof(arn)) != 0)
      return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  } else if (strncmp(s->key, "arn:", 4) == 0) {
    snprintf(arn, sizeof(arn), "%s", s->key);
  } else if (strncmp(s->key, "alias/", 6) == 0) {
    /* DEVIATION: without KMS an alias cannot be resolved to its key; the
     * alias's ARN stands for it. */
    snprintf(arn, sizeof(arn), "arn:aws:kms:%s:%s:%s", db->region, db->account, s->key);
  } else {
    snprintf(arn, sizeof(arn), "arn:aws:kms:%s:%s:key/%s", db->region, db->account, s->key);
  }
  d = cJSON_AddObjectToObject(desc, "SSEDescription");
  cJSON_AddStringToObject(d, "Status", "ENABLED");
  cJSON_AddStringToObject(d, "SSEType", "KMS");
  cJSON_AddStringToObject(d, "KMSMasterKeyArn", arn);
  return 0;
}

/* ---- OnDemandThroughput and WarmThroughput --------------------------------- */

/* A Long member of an object: absent (*present 0), or a whole number in
 * lo..INT64_MAX, or (allow_minus_one) -1. */
static int long_member(const cJSON *obj, const char *name, const char *member, int64_t lo,
                       int allow_minus_one, int64_t *out, int *present, struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
  char value[64];

  *present = 0;
  if (!v || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsNumber(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (!emu_json_int(v, INT64_MIN, INT64_MAX, out))
    return dynamo_error_long(err);
  if (*out < lo && !(allow_minus_one && *out == -1)) {
    snprintf(value, sizeof(value), "%lld", (long long)*out);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: %s must be %s%lld, "
                            "requested: %s",
                            member, allow_minus_one ? "-1 or at least " : "at least ",
                            (long long)lo, value);
  }
  *present = 1;
  return 0;
}

struct units {
  int given;
  int has_read, has_write;
  int64_t read, write;
};

/* OnDemandThroughput {MaxReadRequestUnits, MaxWriteRequestUnits} or
 * WarmThroughput {ReadUnitsPerSecond, WriteUnitsPerSecond}. */
static int check_units(const cJSON *req, const char *name, const char *read_name,
                       const char *write_name, int on_demand, struct units *u,
                       struct dynamo_error *err) {
  cJSON *obj;

  memset(u, 0, sizeof(*u));
  if (dynamo_req_object(req, name, &obj, err) != 0)
    return -1;
  if (!obj)
    return 0;
  u->given = 1;
  /* SPEC docs/spec/dynamodb.md 2.33: maxima are at least 1, or -1 for no
   * maximum; warm throughput is positive. */
  if (long_member(obj, read_name, read_name, 1, on_demand, &u->read, &u->has_read, err) != 0 ||
      long_member(obj, write_name, write_name, 1, on_demand, &u->write, &u->has_write, err) != 0)
    return -1;
  /* SPEC docs/spec/dynamodb.md 2.33: "you must specify MaxReadRequestUnits,
   * MaxWriteRequestUnits, or both". */
  if (!u->has_read && !u->has_write)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: %s requires %s, %s, "
                            "or both",
                            name, read_name, write_name);
  return 0;
}

static void set_on_demand(cJSON *desc, const struct units *u) {
  cJSON *cur = cJSON_GetObjectItemCaseSensitive(desc, "OnDemandThroughput");
  cJSON *o = cJSON_CreateObject();
  int64_t read = -1, write = -1;
  int64_t v;

  if (cur &&
      emu_json_int(cJSON_GetObjectItemCaseSensitive(cur, "MaxReadRequestUnits"), -1, INT64_MAX, &v))
    read = v;
  if (cur && emu_json_int(cJSON_GetObjectItemCaseSensitive(cur, "MaxWriteRequestUnits"), -1,
                          INT64_MAX, &v))
    write = v;
  if (u->has_read)
    read = u->read;
  if (u->has_write)
    write = u->write;
  cJSON_AddNumberToObject(o, "MaxReadRequestUnits", (double)read);
  cJSON_AddNumberToObject(o, "MaxWriteRequestUnits", (double)write);
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "OnDemandThroughput");
  cJSON_AddItemToObject(desc, "OnDemandThroughput", o);
}

/* The warm throughput a table has without asking: on-demand 12,000/4,000,
 * provisioned its capacity units. DEVIATION: it stays so (AWS raises it
 * with the peak usage and with a raised provisioned capacity) unless
 * UpdateTable raises it. */
static void default_warm(const char *billing, const cJSON *pt, int64_t *read, int64_t *write) {
  int64_t v;

  *read = WARM_READ_ON_DEMAND;
  *write = WARM_WRITE_ON_DEMAND;
  if (strcmp(billing, "PROVISIONED") != 0)
    return;
  if (emu_json_int(cJSON_GetObjectItemCaseSensitive(pt, "ReadCapacityUnits"), 1, INT64_MAX, &v))
    *read = v;
  if (emu_json_int(cJSON_GetObjectItemCaseSensitive(pt, "WriteCapacityUnits"), 1, INT64_MAX, &v))
    *write = v;
}

static void set_warm(cJSON *desc, int64_t read, int64_t write) {
  cJSON *o = cJSON_CreateObject();

  cJSON_AddNumberToObject(o, "ReadUnitsPerSecond", (double)read);
  cJSON_AddNumberToObject(o, "WriteUnitsPerSecond", (double)write);
  cJSON_AddStringToObject(o, "Status", "ACTIVE");
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "WarmThroughput");
  cJSON_AddItemToObject(desc, "WarmThroughput", o);
}

/* ---- ResourcePolicy (dynamo_policy.c) ------------------------------------- */

static int check_policy(const cJSON *req, const char **out, struct dynamo_error *err) {
  if (dynamo_req_string(req, "ResourcePolicy", out, err) != 0)
    return -1;
  return *out ? dynamo_policy_check("ResourcePolicy", *out, err) : 0;
}

/* ---- a GSI's OnDemandThroughput and WarmThroughput ------------------------ */

/* The GSI of that name in the request's GlobalSecondaryIndexes. */
static const cJSON *requested_gsi(const cJSON *req, const char *name) {
  const cJSON *g;

  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexes")) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(g, "IndexName");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
      return g;
  }
  return NULL;
}

static int check_gsis(const cJSON *req, const char *billing, struct dynamo_error *err) {
  const cJSON *g;
  struct units od, warm;

  cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexes")) {
    if (!cJSON_IsObject(g))
      continue; /* dynamo_indexes_create reports it */
    if (check_units(g, "OnDemandThroughput", "MaxReadRequestUnits", "MaxWriteRequestUnits", 1, &od,
                    err) != 0 ||
        check_units(g, "WarmThroughput", "ReadUnitsPerSecond", "WriteUnitsPerSecond", 0, &warm,
                    err) != 0)
      return -1;
    if (od.given && strcmp(billing, "PAY_PER_REQUEST") != 0)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "One or more parameter values were invalid: OnDemandThroughput "
                              "can only be specified when BillingMode is PAY_PER_REQUEST");
  }
  return 0;
}

/* Each GSI description gets its WarmThroughput (requested, or the default
 * of the table's billing mode and the index's capacity) and its
 * OnDemandThroughput when requested (req: CreateTable's request, or NULL
 * for the GSIs that have no WarmThroughput yet). */
static void describe_gsis(const cJSON *req, const char *billing, cJSON *desc) {
  cJSON *d;

  cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(desc, "GlobalSecondaryIndexes")) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "IndexName");
    const cJSON *g = cJSON_IsString(n) ? requested_gsi(req, n->valuestring) : NULL;
    struct units od, warm;
    struct dynamo_error ignored;
    int64_t read, write;
    cJSON *w;

    dynamo_error_init(&ignored);
    memset(&od, 0, sizeof(od));
    memset(&warm, 0, sizeof(warm));
    if (!g && cJSON_GetObjectItemCaseSensitive(d, "WarmThroughput"))
      continue; /* described before */
    if (g && (check_units(g, "OnDemandThroughput", "MaxReadRequestUnits", "MaxWriteRequestUnits", 1,
                          &od, &ignored) != 0 ||
              check_units(g, "WarmThroughput", "ReadUnitsPerSecond", "WriteUnitsPerSecond", 0,
                          &warm, &ignored) != 0))
      continue;
    default_warm(billing, cJSON_GetObjectItemCaseSensitive(d, "ProvisionedThroughput"), &read,
                 &write);
    if (od.given)
      set_on_demand(d, &od);
    w = cJSON_CreateObject();
    cJSON_AddNumberToObject(w, "ReadUnitsPerSecond", (double)(warm.has_read ? warm.read : read));
    cJSON_AddNumberToObject(w, "WriteUnitsPerSecond",
                            (double)(warm.has_write ? warm.write : write));
    cJSON_AddStringToObject(w, "Status", "ACTIVE");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "WarmThroughput");
    cJSON_AddItemToObject(d, "WarmThroughput", w);
  }
}

/* CreateTable's settings, parsed and checked. */
struct options {
  const cJSON *tags;
  const char *cls, *policy;
  struct sse sse;
  struct units od, warm;
  int64_t read, write; /* the warm throughput the table gets */
  int protect;         /* DeletionProtectionEnabled */
};

static int parse_create(const cJSON *req, const char *billing, const cJSON *pt, struct options *o,
                        struct dynamo_error *err) {
  static const char *const refused[] = {
      "GlobalTableSourceArn", "GlobalTableSettingsReplicationMode", "VectorIndexes", NULL};
  int i;

  memset(o, 0, sizeof(*o));
  for (i = 0; refused[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, refused[i]);
    /* DEVIATION: not supported; refused rather than ignored (SPEC
     * docs/spec/dynamodb.md 2.30). */
    if (v && !cJSON_IsNull(v))
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "wsgw does not support %s in CreateTable",
                              refused[i]);
  }
  o->tags = cJSON_GetObjectItemCaseSensitive(req, "Tags");
  if (o->tags && !cJSON_IsNull(o->tags) && !cJSON_IsArray(o->tags))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  /* SPEC docs/spec/dynamodb.md 2.30: CreateTable's Tags follow TagResource's
   * rules. */
  if ((cJSON_IsArray(o->tags) && dynamo_tags_check(o->tags, err) != 0) ||
      check_table_class(req, &o->cls, err) != 0 || check_sse(req, &o->sse, err) != 0 ||
      check_units(req, "OnDemandThroughput", "MaxReadRequestUnits", "MaxWriteRequestUnits", 1,
                  &o->od, err) != 0 ||
      check_units(req, "WarmThroughput", "ReadUnitsPerSecond", "WriteUnitsPerSecond", 0, &o->warm,
                  err) != 0 ||
      check_policy(req, &o->policy, err) != 0 ||
      dynamo_req_bool(req, "DeletionProtectionEnabled", &o->protect, err) != 0 ||
      check_gsis(req, billing, err) != 0)
    return -1;
  /* DEVIATION: OnDemandThroughput on a provisioned table is refused (AWS's
   * answer is unverified). */
  if (o->od.given && strcmp(billing, "PAY_PER_REQUEST") != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: OnDemandThroughput "
                            "can only be specified when BillingMode is PAY_PER_REQUEST");
  default_warm(billing, pt, &o->read, &o->write);
  /* SPEC docs/spec/dynamodb.md 2.33: warm throughput below the table's
   * initial throughput is refused. */
  if ((o->warm.has_read && o->warm.read < o->read) ||
      (o->warm.has_write && o->warm.write < o->write)) {
    int low_read = o->warm.has_read && o->warm.read < o->read;
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "One or more parameter values were invalid: Requested %s for WarmThroughput for table "
        "is lower than %s",
        low_read ? "ReadUnitsPerSecond" : "WriteUnitsPerSecond",
        strcmp(billing, "PROVISIONED") != 0 ? "initial throughput for OnDemand"
        : low_read                          ? "ReadCapacityUnits of ProvisionedThroughput"
                                            : "WriteCapacityUnits of ProvisionedThroughput");
  }
  if (o->warm.has_read)
    o->read = o->warm.read;
  if (o->warm.has_write)
    o->write = o->warm.write;
  return 0;
}

int dynamo_table_options_check(const cJSON *req, const char *billing, const cJSON *pt,
                               struct dynamo_error *err) {
  struct options o;

  return parse_create(req, billing, pt, &o, err);
}

int dynamo_table_options_create(struct dynamo *db, struct store_txn *t, const cJSON *req,
                                const char *billing, uint32_t id, cJSON *desc,
                                struct dynamo_error *err) {
  struct options o;
  char rev[32];

  if (parse_create(req, billing, cJSON_GetObjectItemCaseSensitive(desc, "ProvisionedThroughput"),
                   &o, err) != 0)
    return -1;
  /* SPEC docs/spec/dynamodb.md 2.30: CreateTable's DeletionProtectionEnabled
   * (false by default). */
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "DeletionProtectionEnabled");
  cJSON_AddBoolToObject(desc, "DeletionProtectionEnabled", o.protect);
  /* DEVIATION: a table created without TableClass has no TableClassSummary
   * (whether AWS then lists STANDARD is unverified). */
  if (o.cls)
    set_table_class(desc, o.cls, 0);
  if (set_sse(db, t, &o.sse, desc, err) != 0)
    return -1;
  if (o.od.given)
    set_on_demand(desc, &o.od);
  set_warm(desc, o.read, o.write);
  describe_gsis(req, billing, desc);
  if (cJSON_GetArraySize(o.tags) > 0 && dynamo_tags_create(t, id, o.tags) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  if (o.policy && dynamo_policy_store(t, id, o.policy, rev, sizeof(rev)) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  return 0;
}

int dynamo_table_options_requested(const cJSON *req) {
  static const char *const members[] = {"TableClass", "SSESpecification", "OnDemandThroughput",
                                        "WarmThroughput", NULL};
  int i;

  for (i = 0; members[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, members[i]);
    if (v && !cJSON_IsNull(v))
      return 1;
  }
  return 0;
}

int dynamo_table_options_update(struct dynamo *db, struct store_txn *t, const cJSON *req,
                                const char *billing, cJSON *desc, struct dynamo_error *err) {
  const cJSON *cur_class = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(desc, "TableClassSummary"), "TableClass");
  const cJSON *cur_warm = cJSON_GetObjectItemCaseSensitive(desc, "WarmThroughput");
  const char *cls;
  struct sse sse;
  struct units od, warm;
  int64_t read = 0, write = 0;

  const cJSON *u;

  /* DEVIATION: a GSI's throughput settings in GlobalSecondaryIndexUpdates
   * are refused rather than ignored. */
  cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexUpdates")) {
    static const char *const actions[] = {"Create", "Update", NULL};
    int i;
    for (i = 0; actions[i]; i++) {
      const cJSON *a = cJSON_GetObjectItemCaseSensitive(u, actions[i]);
      if (cJSON_GetObjectItemCaseSensitive(a, "WarmThroughput") ||
          cJSON_GetObjectItemCaseSensitive(a, "OnDemandThroughput"))
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                                "wsgw does not support WarmThroughput or OnDemandThroughput in "
                                "GlobalSecondaryIndexUpdates");
    }
  }
  if (check_table_class(req, &cls, err) != 0 || check_sse(req, &sse, err) != 0 ||
      check_units(req, "OnDemandThroughput", "MaxReadRequestUnits", "MaxWriteRequestUnits", 1, &od,
                  err) != 0 ||
      check_units(req, "WarmThroughput", "ReadUnitsPerSecond", "WriteUnitsPerSecond", 0, &warm,
                  err) != 0)
    return -1;
  if (od.given && strcmp(billing, "PAY_PER_REQUEST") != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: OnDemandThroughput "
                            "can only be specified when BillingMode is PAY_PER_REQUEST");
  if (cur_warm) {
    emu_json_int(cJSON_GetObjectItemCaseSensitive(cur_warm, "ReadUnitsPerSecond"), 0, INT64_MAX,
                 &read);
    emu_json_int(cJSON_GetObjectItemCaseSensitive(cur_warm, "WriteUnitsPerSecond"), 0, INT64_MAX,
                 &write);
  }
  /* SPEC docs/spec/dynamodb.md 2.33: "Once increased, warm throughput values
   * can't be decreased." */
  if ((warm.has_read && warm.read < read) || (warm.has_write && warm.write < write))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: Requested %s for "
                            "WarmThroughput for table is lower than the current value",
                            warm.has_read && warm.read < read ? "ReadUnitsPerSecond"
                                                              : "WriteUnitsPerSecond");
  /* SPEC docs/spec/dynamodb.md 2.32: the summary carries the time of the
   * last change of class. */
  if (cls && !(cJSON_IsString(cur_class) && strcmp(cur_class->valuestring, cls) == 0) &&
      !(!cur_class && strcmp(cls, "STANDARD") == 0))
    set_table_class(desc, cls, 1);
  if (sse.given && set_sse(db, t, &sse, desc, err) != 0)
    return -1;
  if (od.given)
    set_on_demand(desc, &od);
  /* On-demand maxima belong to on-demand tables (2.33): a switch to
   * PROVISIONED drops them. */
  if (strcmp(billing, "PROVISIONED") == 0)
    cJSON_DeleteItemFromObjectCaseSensitive(desc, "OnDemandThroughput");
  if (warm.given)
    set_warm(desc, warm.has_read ? warm.read : read, warm.has_write ? warm.write : write);
  return 0;
}

void dynamo_table_options_gsi_defaults(const char *billing, cJSON *desc) {
  describe_gsis(NULL, billing, desc);
}
