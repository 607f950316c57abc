/*
 * emu_json.c - the nesting-depth pre-scan and the literal-key adder (see
 * emu_json.h).
 */
#include "emu_json.h"

int emu_json_too_deep(const char *p, size_t len, int max) {
  size_t i;
  int depth = 0, in_string = 0;

  for (i = 0; i < len; i++) {
    char ch = p[i];
    if (in_string) {
      if (ch == '\\')
        i++;
      else if (ch == '"')
        in_string = 0;
    } else if (ch == '"') {
      in_string = 1;
    } else if (ch == '{' || ch == '[') {
      if (++depth > max)
        return 1;
    } else if ((ch == '}' || ch == ']') && depth > 0) {
      depth--;
    }
  }
  return 0;
}

cJSON *emu_json_add_const(cJSON *o, const char *key, cJSON *v) {
  if (v)
    cJSON_AddItemToObjectCS(o, key, v);
  return v;
}
