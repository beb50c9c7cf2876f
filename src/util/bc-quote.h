/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text from outside (a configuration file, a domain's metadata, a guest's
 * words) as it may appear in a message: raw, cut to a bounded length.
 * Nothing here escapes: a message carries the text as it is, and what
 * writes it to a terminal or the log escapes it, once (bc_term_escape).
 * Pure. */
#pragma once

#include <glib.h>

/* How many characters of an outside value an error message shows. */
#define BC_QUOTE_MAX 64

/* s (NULL: "") as it is up to max characters (0 = no limit), "..." after
 * them when there were more.  A byte that is not UTF-8 counts as one
 * character; a UTF-8 sequence is never split. */
char *bc_cut (const char *s, gsize max);
/* The same between single quotes, "..." after the closing quote when cut:
 * 'value' or 'valu'...  A quote inside is left as it is. */
char *bc_quote (const char *s, gsize max);
