/*
 * ws_conn_info.c - a live connection as JSON, and its console events (see
 * ws_conn_info.h).
 */
#include "ws_conn_info.h"

#include "emu_events.h"
#include "emu_time.h"
#include "ws_registry.h"

cJSON *ws_conn_info_json(struct ws_conn *c) {
  cJSON *o = cJSON_CreateObject();
  char iso[40];

  cJSON_AddStringToObject(o, "connectionId", c->id);
  /* api is NULL only for the registry's unit tests' connections. */
  cJSON_AddStringToObject(o, "api", c->api && c->api->name ? c->api->name : "");
  cJSON_AddStringToObject(o, "stage", c->api ? c->api->stage : "");
  cJSON_AddStringToObject(o, "sourceIp", c->source_ip);
  if (c->user_agent)
    cJSON_AddStringToObject(o, "userAgent", c->user_agent);
  emu_time_iso8601(c->connected_at_ms, iso, sizeof(iso));
  cJSON_AddStringToObject(o, "connectedAt", iso);
  emu_time_iso8601(atomic_load(&c->last_active_ms), iso, sizeof(iso));
  cJSON_AddStringToObject(o, "lastActiveAt", iso);
  cJSON_AddNumberToObject(o, "framesIn", (double)atomic_load(&c->frames_in));
  cJSON_AddNumberToObject(o, "framesOut", (double)atomic_load(&c->frames_out));
  return o;
}

void ws_conn_info_publish(struct emu_events *events, struct ws_conn *c) {
  cJSON *o;

  if (!emu_events_active(events))
    return;
  o = ws_conn_info_json(c);
  emu_events_publish(events, "connection", o);
  cJSON_Delete(o);
}

void ws_conn_info_publish_gone(struct emu_events *events, struct ws_conn *c, int code,
                               const char *reason) {
  cJSON *o;

  if (!emu_events_active(events))
    return;
  o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "connectionId", c->id);
  cJSON_AddNumberToObject(o, "closeCode", code);
  cJSON_AddStringToObject(o, "closeReason", reason ? reason : "");
  emu_events_publish(events, "disconnect", o);
  cJSON_Delete(o);
}
