/*
 * dynamo_misc.c - DescribeEndpoints and DescribeLimits: constant answers
 * shaped as DynamoDB's.
 *
 * Neither takes parameters (members sent anyway are ignored, as the AWS
 * API reference lists none). No state, no store access.
 */
#include <stdio.h>

#include "dynamo_int.h"

/* SPEC DynamoDB Developer Guide, "Quotas in Amazon DynamoDB", throughput
 * default quotas: per table 40,000 read and 40,000 write capacity units;
 * per account per Region 80,000 of each (provisioned mode). The old
 * 20,000/10,000 figures in the API reference's example predate them. */
#define ACCOUNT_MAX_CAPACITY 80000
#define TABLE_MAX_CAPACITY 40000
/* SPEC AWS API reference, Endpoint.CachePeriodInMinutes (1440, as moto
 * answers too). */
#define ENDPOINT_CACHE_MINUTES 1440

/* DEVIATION (a decision): the address is DynamoDB's regional host,
 * "dynamodb.<region>.amazonaws.com", as DynamoDB and moto answer, and not
 * the emulator's own host:port. Endpoint discovery is the only consumer,
 * and the SDKs skip it when a custom endpoint is configured (which is how
 * every client reaches wsgw); the answer carries no scheme or port, so
 * "127.0.0.1:8000" would not be usable by a discovering client either
 * (it would try https://). Code that parses the region from the address
 * keeps working. */
int dynamo_misc_describe_endpoints(struct dynamo *db, cJSON *req, cJSON **resp,
                                   struct dynamo_error *err) {
  char address[96];
  cJSON *endpoint;

  (void)req;
  (void)err;
  snprintf(address, sizeof(address), "dynamodb.%s.amazonaws.com", db->region);
  *resp = cJSON_CreateObject();
  endpoint = cJSON_CreateObject();
  cJSON_AddStringToObject(endpoint, "Address", address);
  cJSON_AddNumberToObject(endpoint, "CachePeriodInMinutes", ENDPOINT_CACHE_MINUTES);
  cJSON_AddItemToArray(cJSON_AddArrayToObject(*resp, "Endpoints"), endpoint);
  return 0;
}

int dynamo_misc_describe_limits(struct dynamo *db, cJSON *req, cJSON **resp,
                                struct dynamo_error *err) {
  (void)db;
  (void)req;
  (void)err;
  *resp = cJSON_CreateObject();
  cJSON_AddNumberToObject(*resp, "AccountMaxReadCapacityUnits", ACCOUNT_MAX_CAPACITY);
  cJSON_AddNumberToObject(*resp, "AccountMaxWriteCapacityUnits", ACCOUNT_MAX_CAPACITY);
  cJSON_AddNumberToObject(*resp, "TableMaxReadCapacityUnits", TABLE_MAX_CAPACITY);
  cJSON_AddNumberToObject(*resp, "TableMaxWriteCapacityUnits", TABLE_MAX_CAPACITY);
  return 0;
}
