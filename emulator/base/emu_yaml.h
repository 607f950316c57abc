/*
 * emu_yaml.h - a YAML document (libyaml) as a cJSON tree, for reading
 * projects written for other tools (serverless.yml, emu_serverless.h).
 *
 * Mapping: mappings -> objects (keys are scalars; a later duplicate key
 * replaces the earlier one), sequences -> arrays, quoted scalars -> strings,
 * plain scalars -> null (~, null, empty), true/false, numbers (decimal
 * integers and floats), or strings. Anchors and aliases are resolved by
 * copying, the copies counted against the node bound (so an alias bomb is an
 * error, not a blow-up); "<<" merge keys are applied.
 * CloudFormation short-form tags become their long form, never an error:
 *   !Ref X -> {"Ref": "X"}, !GetAtt A.B -> {"Fn::GetAtt": ["A", "B"]},
 *   !Sub s -> {"Fn::Sub": s}, any other !Name v -> {"Fn::Name": v}.
 * Bounds: EMU_YAML_MAX_BYTES of text, EMU_YAML_MAX_DEPTH levels,
 * EMU_YAML_MAX_NODES nodes; only the first document of a stream is read.
 * Errors: one line, "FILE:LINE:COL: what went wrong".
 * Ownership: the caller deletes the returned tree. Threading: no shared state.
 */
#ifndef EMU_YAML_H
#define EMU_YAML_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define EMU_YAML_MAX_BYTES (4 * 1024 * 1024)
#define EMU_YAML_MAX_DEPTH 64
#define EMU_YAML_MAX_NODES 200000

/* Parses len bytes of text; source names it in errors. NULL on failure, with
 * one line in err. An empty document is an empty object. */
cJSON *emu_yaml_parse(const char *text, size_t len, const char *source, char *err, size_t cap);
/* Reads and parses the file at path. */
cJSON *emu_yaml_load_file(const char *path, char *err, size_t cap);

#endif
