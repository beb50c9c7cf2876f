/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON helpers shared by the state file, `status --json` and the guest
 * agent's replies.  The readers never warn, whatever shape the input has:
 * a guest controls what its agent says. */
#pragma once

#include <json-glib/json-glib.h>

void bc_json_add_string (JsonBuilder *b, const char *key, const char *value_or_null);
void bc_json_add_int (JsonBuilder *b, const char *key, gint64 value);
/* A KiB figure, or null when not known. */
void bc_json_add_kib (JsonBuilder *b, const char *key, gboolean known, guint64 kib);
/* Pretty-printed text of the builder's root, escaped for a terminal
 * (bc_json_escape_terminal). */
char *bc_json_to_data (JsonBuilder *b);
/* JSON text (json-glib's: what it escapes, below U+0020, escaped) with
 * every other character bc_term_needs_escape is true of (DEL, C1 controls,
 * bidirectional controls, U+2028 and U+2029: only ever in strings) as a
 * \uXXXX escape: the same strings to a JSON reader, nothing that moves a
 * terminal's cursor or reorders a line on the way.  Bytes that are not
 * UTF-8 are copied. */
char *bc_json_escape_terminal (const char *text);

const char *bc_json_member_string (JsonObject *o, const char *key);
gint64 bc_json_member_int (JsonObject *o, const char *key, gint64 fallback);
gboolean bc_json_member_true (JsonObject *o, const char *key);
/* Most text and deepest nesting of [ and { the readers take: json-glib's
 * parser recurses once per level, so 100,000 '[' would overflow the stack. */
#define BC_JSON_TEXT_MAX (16 * 1024 * 1024)
#define BC_JSON_DEPTH_MAX 64
/* Whether text is within both bounds (a linear scan, no parsing). */
gboolean bc_json_check_bounds (const char *text, GError **error);
/* How deep [ and { nest in the first len bytes of text (up to a NUL);
 * stops once past stop.  The contents of double-quoted strings (backslash
 * escapes honoured) are skipped, so that a domain named "[[[..." costs
 * nothing, until the first byte outside a string that strict JSON has not
 * there: json-glib also reads 'single-quoted' strings and # // and block
 * comments, which could hide a double quote from this scan, so from that
 * byte on brackets count wherever they are.  Linear, no recursion. */
guint bc_json_nesting_depth (const char *text, gsize len, guint stop);
/* Whether text has the escape \u0000 (a NUL, which json-glib's strings
 * silently end at), and where (its backslash's offset).  Linear. */
gboolean bc_json_find_nul_escape (const char *text, gsize *at);
/* The root object of text, or NULL and an error (text NULL, over the
 * bounds, not JSON, not an object). */
JsonNode *bc_json_parse_object (const char *text, GError **error);
