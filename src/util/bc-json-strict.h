/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON's tokens as RFC 8259 spells them, checked before json-glib parses
 * text that must be strict (a recording's line).  json-glib's scanner is
 * lenient: it reads 0x10 as 16, 010 as 8, 'single quotes', .5, and wraps
 * an integer past 2^63 - 1 round to a negative one (or clamps it), so
 * that a reader cannot tell 9223372036854775808 from -9223372036854775808.
 * Pure, linear, no recursion. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* TRUE when every token of text (len bytes) is a JSON token: { } [ ] : ,
 * a string in double quotes (no raw control character, known escapes),
 * true, false, null, or a number of JSON's grammar whose integers (no
 * fraction, no exponent) fit in a gint64.  Otherwise FALSE and an error:
 * "not JSON: ..." with the byte offset, or for an integer out of range
 * "PATH: N is out of range (...)", PATH the member as the recording's
 * reader names it (domains[0].in.balloon.current_kib).  The structure
 * (balanced brackets, commas) is json-glib's to check, but for two
 * things it reads wrong, refused here: a second value after the first
 * ("{...} {...}", of which json-glib keeps the first and drops the rest
 * unread) and \u0000 in a string (json-glib cuts the string there, so
 * "name\u0000x" would read as the member "name").  Nesting deeper
 * than BC_JSON_DEPTH_MAX is refused. */
gboolean bc_json_check_tokens (const char *text, gsize len, GError **error);

/* json_parser_load_from_data, and FALSE with an error naming it when an
 * object has two members of one name (json-glib keeps the last, silently:
 * a strict reader would read a line that says two things as one). */
gboolean bc_json_load_unique (JsonParser *parser, const char *text, gsize len, GError **error);
