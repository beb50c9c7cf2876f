/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text from outside (a configuration file, a domain's metadata) as it may
 * appear in a message: control characters, invalid UTF-8 and backslashes
 * escaped, cut to a bounded length.  Pure. */
#pragma once

#include <glib.h>

/* How many characters of an outside value an error message shows. */
#define BC_QUOTE_MAX 64

/* s with every byte that is not valid UTF-8 as \xNN, control and other
 * unprintable characters as \n, \t, \r or \u{XXXX}, a backslash as \\;
 * after max characters (0 = no limit) the rest is replaced by "...". */
char *bc_escape (const char *s, gsize max);
/* The same between single quotes (a quote inside as \'), "..." after the
 * closing quote when cut: 'value' or 'valu'... */
char *bc_quote (const char *s, gsize max);
