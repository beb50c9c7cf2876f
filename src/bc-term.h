/* SPDX-License-Identifier: GPL-2.0-or-later */
/* term: text for a terminal.  Whatever a guest, libvirt or a state file
 * says is escaped before it reaches one; widths are display columns. */
#pragma once

#include <glib.h>

/* s with its control characters (C0, DEL, C1), line and paragraph
 * separators, bidirectional overrides, bytes that are not UTF-8 and the
 * backslash escaped: "\n", "\x1b", "\u009b", "\\". */
char *bc_term_escape (const char *s);
/* Whether c is one of those: C0, DEL, C1, a line or paragraph separator,
 * a bidirectional control. */
gboolean bc_term_needs_escape (gunichar c);
/* The same with backslashes left as they are: for a line of the log,
 * whose parts may already have been escaped (a quoted configuration
 * value), so that what is written stays one line whatever a domain's
 * name or a guest's text holds. */
char *bc_term_escape_line (const char *s);
/* Display columns of valid UTF-8 without controls (what bc_term_escape
 * returns): wide characters take two, combining ones none. */
gsize bc_term_width (const char *s);
/* s cut to at most width columns, its last column a '+' when cut. */
char *bc_term_truncate (const char *s, gsize width);

/* Columns a table whose columns are natural[] wide, gap columns apart,
 * shows in width columns: shown[c] is natural[c], less when the column is
 * cut (the last shown one, when at least BC_TERM_MIN_CUT columns are
 * left for it, or the first), or 0 when it is left out.  Returns how many
 * columns are shown. */
#define BC_TERM_MIN_CUT 4
guint bc_term_fit_columns (const gsize *natural, guint n, gsize gap, gsize width, gsize *shown);

/* The size of the terminal on fd; else $COLUMNS and $LINES; else 80 x 24. */
void bc_term_size (int fd, gsize *columns, gsize *lines);
/* Writes all of data to fd (EINTR and short writes retried). */
gboolean bc_term_write_all (int fd, const char *data, gsize len, GError **error);
