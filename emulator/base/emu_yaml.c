/*
 * emu_yaml.c - a YAML document as a cJSON tree, on libyaml's event parser.
 *
 * One recursive descent over the events: parse_node consumes one node's
 * events and returns its tree. Depth is bounded before each descent, nodes
 * are counted as they are made (alias copies included), and anchors are kept
 * as private copies, so replacing a duplicate key never leaves an anchor
 * pointing at a deleted node. Tag handling: see emu_yaml.h.
 * Ownership: the parser state lives on the caller's stack for one call;
 * threading: none shared.
 */
#include "emu_yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "emu_file.h"

struct yaml_anchor {
  char *name;
  cJSON *node; /* a private copy */
};

struct yaml_ctx {
  yaml_parser_t parser;
  const char *source;
  char *err;
  size_t cap;
  size_t nodes;
  struct yaml_anchor *anchors;
  size_t nanchors, anchors_cap;
  int failed; /* err holds the first error */
};

static void *yaml_fail(struct yaml_ctx *y, yaml_mark_t mark, const char *what) {
  if (!y->failed)
    snprintf(y->err, y->cap, "%s:%zu:%zu: %s", y->source, mark.line + 1, mark.column + 1, what);
  y->failed = 1;
  return NULL;
}

static int next_event(struct yaml_ctx *y, yaml_event_t *ev) {
  if (yaml_parser_parse(&y->parser, ev))
    return 0;
  yaml_fail(y, y->parser.problem_mark, y->parser.problem ? y->parser.problem : "invalid YAML");
  return -1;
}

static size_t tree_size(const cJSON *n) {
  size_t k = 1;
  const cJSON *it;

  for (it = n->child; it; it = it->next)
    k += tree_size(it);
  return k;
}

static int count_nodes(struct yaml_ctx *y, size_t k, yaml_mark_t mark) {
  if (k > EMU_YAML_MAX_NODES - y->nodes) {
    yaml_fail(y, mark, "the document has more nodes than wsgw reads (aliases count as copies)");
    return -1;
  }
  y->nodes += k;
  return 0;
}

/* A plain scalar's YAML core-schema type. */
static cJSON *plain_scalar(const char *s, size_t len) {
  size_t i;
  char *end;
  double d;
  int digits = 0;

  if (len == 0 || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
    return cJSON_CreateNull();
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
    return cJSON_CreateTrue();
  if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
    return cJSON_CreateFalse();
  for (i = 0; i < len && strchr("0123456789+-.eE", s[i]); i++)
    digits += s[i] >= '0' && s[i] <= '9';
  if (i == len && digits > 0 &&
      (s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) {
    d = strtod(s, &end);
    if (end == s + len)
      return cJSON_CreateNumber(d);
  }
  return cJSON_CreateString(s);
}

/* A local tag (!Name) in CloudFormation's long form; other tags leave v. */
static cJSON *apply_tag(const char *tag, cJSON *v) {
  char key[80];
  cJSON *o, *arr;
  const char *dot;

  if (!v || !tag || tag[0] != '!' || !tag[1] || strlen(tag) > 60)
    return v;
  o = cJSON_CreateObject();
  if (!o) {
    cJSON_Delete(v);
    return NULL;
  }
  if (!strcmp(tag, "!Ref") || !strcmp(tag, "!Condition")) {
    cJSON_AddItemToObject(o, tag + 1, v);
    return o;
  }
  snprintf(key, sizeof(key), "Fn::%s", tag + 1);
  if (!strcmp(tag, "!GetAtt") && cJSON_IsString(v) && (dot = strchr(v->valuestring, '.'))) {
    char *head = strndup(v->valuestring, (size_t)(dot - v->valuestring));
    arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateString(head ? head : ""));
    free(head);
    cJSON_AddItemToArray(arr, cJSON_CreateString(dot + 1));
    cJSON_Delete(v);
    v = arr;
  }
  cJSON_AddItemToObject(o, key, v);
  return o;
}

static int remember_anchor(struct yaml_ctx *y, const char *name, const cJSON *node,
                           yaml_mark_t mark) {
  struct yaml_anchor *a;
  size_t i;

  if (!name)
    return 0;
  for (i = 0; i < y->nanchors; i++)
    if (!strcmp(y->anchors[i].name, name)) {
      cJSON_Delete(y->anchors[i].node);
      y->anchors[i].node = cJSON_Duplicate(node, 1);
      return y->anchors[i].node ? 0 : (yaml_fail(y, mark, "out of memory"), -1);
    }
  if (y->nanchors == y->anchors_cap) {
    size_t ncap = y->anchors_cap ? 2 * y->anchors_cap : 8;
    a = realloc(y->anchors, ncap * sizeof(*a));
    if (!a)
      return yaml_fail(y, mark, "out of memory"), -1;
    y->anchors = a;
    y->anchors_cap = ncap;
  }
  a = &y->anchors[y->nanchors];
  a->name = strdup(name);
  a->node = cJSON_Duplicate(node, 1);
  if (!a->name || !a->node) {
    free(a->name);
    cJSON_Delete(a->node);
    return yaml_fail(y, mark, "out of memory"), -1;
  }
  y->nanchors++;
  return 0;
}

static cJSON *parse_node(struct yaml_ctx *y, yaml_event_t *ev, int depth);

/* A mapping key's text: scalars only. */
static char *key_text(const cJSON *k) {
  char buf[64];

  if (cJSON_IsString(k))
    return strdup(k->valuestring);
  if (cJSON_IsNumber(k)) {
    snprintf(buf, sizeof(buf), "%.17g", k->valuedouble);
    return strdup(buf);
  }
  if (cJSON_IsBool(k))
    return strdup(cJSON_IsTrue(k) ? "true" : "false");
  if (cJSON_IsNull(k))
    return strdup("null");
  return NULL;
}

/* "<<: *base" (or a sequence of them): members not already present. */
static int merge_into(cJSON *obj, const cJSON *src) {
  const cJSON *it;

  if (cJSON_IsArray(src)) {
    cJSON_ArrayForEach(it, src)
      if (merge_into(obj, it) != 0)
        return -1;
    return 0;
  }
  if (!cJSON_IsObject(src))
    return -1;
  cJSON_ArrayForEach(it, src) {
    if (!cJSON_GetObjectItemCaseSensitive(obj, it->string))
      cJSON_AddItemToObject(obj, it->string, cJSON_Duplicate(it, 1));
  }
  return 0;
}

static cJSON *parse_mapping(struct yaml_ctx *y, int depth) {
  cJSON *obj = cJSON_CreateObject();
  yaml_event_t ev;

  if (!obj)
    return NULL;
  for (;;) {
    cJSON *k, *v;
    char *name;
    yaml_mark_t mark;

    if (next_event(y, &ev) != 0)
      break;
    if (ev.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&ev);
      return obj;
    }
    mark = ev.start_mark;
    k = parse_node(y, &ev, depth + 1);
    if (!k)
      break;
    name = key_text(k);
    cJSON_Delete(k);
    if (!name) {
      yaml_fail(y, mark, "a mapping key must be a scalar");
      break;
    }
    if (next_event(y, &ev) != 0) {
      free(name);
      break;
    }
    v = parse_node(y, &ev, depth + 1);
    if (!v) {
      free(name);
      break;
    }
    if (!strcmp(name, "<<")) {
      int rc = merge_into(obj, v);
      cJSON_Delete(v);
      free(name);
      if (rc != 0) {
        yaml_fail(y, mark, "a merge key (<<) takes a mapping or a sequence of mappings");
        break;
      }
      continue;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
      cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v);
    else
      cJSON_AddItemToObject(obj, name, v);
    free(name);
  }
  cJSON_Delete(obj);
  return NULL;
}

static cJSON *parse_sequence(struct yaml_ctx *y, int depth) {
  cJSON *arr = cJSON_CreateArray();
  yaml_event_t ev;

  if (!arr)
    return NULL;
  for (;;) {
    cJSON *v;

    if (next_event(y, &ev) != 0)
      break;
    if (ev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&ev);
      return arr;
    }
    v = parse_node(y, &ev, depth + 1);
    if (!v)
      break;
    cJSON_AddItemToArray(arr, v);
  }
  cJSON_Delete(arr);
  return NULL;
}

/* Consumes the node that starts with *ev (and deletes *ev). */
static cJSON *parse_node(struct yaml_ctx *y, yaml_event_t *ev, int depth) {
  yaml_mark_t mark = ev->start_mark;
  cJSON *v = NULL;
  char *anchor = NULL, *tag = NULL;
  size_t i;

  if (depth > EMU_YAML_MAX_DEPTH) {
    yaml_event_delete(ev);
    return yaml_fail(y, mark, "the document nests deeper than wsgw reads");
  }
  if (count_nodes(y, 1, mark) != 0) {
    yaml_event_delete(ev);
    return NULL;
  }
  switch (ev->type) {
  case YAML_SCALAR_EVENT: {
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (strlen(s) != len) {
      yaml_event_delete(ev);
      return yaml_fail(y, mark, "a scalar contains a NUL character");
    }
    anchor = ev->data.scalar.anchor ? strdup((char *)ev->data.scalar.anchor) : NULL;
    tag = ev->data.scalar.tag ? strdup((char *)ev->data.scalar.tag) : NULL;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag)
      v = plain_scalar(s, len);
    else
      v = cJSON_CreateString(s);
    yaml_event_delete(ev);
    break;
  }
  case YAML_ALIAS_EVENT:
    for (i = 0; i < y->nanchors; i++)
      if (!strcmp(y->anchors[i].name, (char *)ev->data.alias.anchor))
        break;
    yaml_event_delete(ev);
    if (i == y->nanchors)
      return yaml_fail(y, mark, "an alias names no anchor defined before it");
    if (count_nodes(y, tree_size(y->anchors[i].node), mark) != 0)
      return NULL;
    return cJSON_Duplicate(y->anchors[i].node, 1);
  case YAML_SEQUENCE_START_EVENT:
    anchor = ev->data.sequence_start.anchor ? strdup((char *)ev->data.sequence_start.anchor) : NULL;
    tag = ev->data.sequence_start.tag ? strdup((char *)ev->data.sequence_start.tag) : NULL;
    yaml_event_delete(ev);
    v = parse_sequence(y, depth);
    break;
  case YAML_MAPPING_START_EVENT:
    anchor = ev->data.mapping_start.anchor ? strdup((char *)ev->data.mapping_start.anchor) : NULL;
    tag = ev->data.mapping_start.tag ? strdup((char *)ev->data.mapping_start.tag) : NULL;
    yaml_event_delete(ev);
    v = parse_mapping(y, depth);
    break;
  default:
    yaml_event_delete(ev);
    return yaml_fail(y, mark, "unexpected YAML event");
  }
  if (v)
    v = apply_tag(tag, v);
  if (!v)
    yaml_fail(y, mark, "out of memory");
  else if (remember_anchor(y, anchor, v, mark) != 0) {
    cJSON_Delete(v);
    v = NULL;
  }
  free(anchor);
  free(tag);
  return v;
}

cJSON *emu_yaml_parse(const char *text, size_t len, const char *source, char *err, size_t cap) {
  struct yaml_ctx y;
  yaml_event_t ev;
  cJSON *root = NULL;
  size_t i;

  memset(&y, 0, sizeof(y));
  y.source = source ? source : "<string>";
  y.err = err;
  y.cap = cap;
  if (len > EMU_YAML_MAX_BYTES) {
    snprintf(err, cap, "%s: larger than %d bytes", y.source, EMU_YAML_MAX_BYTES);
    return NULL;
  }
  if (!yaml_parser_initialize(&y.parser)) {
    snprintf(err, cap, "%s: out of memory", y.source);
    return NULL;
  }
  yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
  /* STREAM-START, then DOCUMENT-START or STREAM-END (an empty stream). */
  if (next_event(&y, &ev) != 0)
    goto out;
  yaml_event_delete(&ev);
  if (next_event(&y, &ev) != 0)
    goto out;
  if (ev.type == YAML_STREAM_END_EVENT) {
    yaml_event_delete(&ev);
    root = cJSON_CreateObject();
    goto out;
  }
  yaml_event_delete(&ev);
  if (next_event(&y, &ev) != 0)
    goto out;
  root = parse_node(&y, &ev, 0);
  if (root && cJSON_IsNull(root)) {
    cJSON_Delete(root);
    root = cJSON_CreateObject();
  }
out:
  for (i = 0; i < y.nanchors; i++) {
    free(y.anchors[i].name);
    cJSON_Delete(y.anchors[i].node);
  }
  free(y.anchors);
  yaml_parser_delete(&y.parser);
  if (!root && !y.failed)
    snprintf(err, cap, "%s: out of memory", y.source);
  return root;
}

cJSON *emu_yaml_load_file(const char *path, char *err, size_t cap) {
  char *text;
  size_t n;
  cJSON *root;

  switch (emu_file_read(path, EMU_YAML_MAX_BYTES, &text, &n)) {
  case EMU_FILE_OK:
    break;
  case EMU_FILE_CANNOT_OPEN:
    snprintf(err, cap, "%s: cannot open the file", path);
    return NULL;
  case EMU_FILE_TOO_LARGE:
    snprintf(err, cap, "%s: larger than %d bytes", path, EMU_YAML_MAX_BYTES);
    return NULL;
  default:
    snprintf(err, cap, "%s: cannot read the file", path);
    return NULL;
  }
  root = emu_yaml_parse(text, n, path, err, cap);
  free(text);
  return root;
}
