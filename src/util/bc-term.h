/* SPDX-License-Identifier: GPL-2.0-or-later */
/* term: text for a terminal.  Whatever a guest, libvirt or a state file
 * says is escaped before it reaches one; widths are display columns. */
#pragma once

#include <glib.h>

/* The one escaper: s as a terminal or the log may show it, on one line.
 * Applied once, where text is written (the status table, a domain's
 * story, watch, replay, the log, error messages); what it is given is
 * raw, never escaped already.  Its spelling: a line feed, carriage return
 * and tab as \n, \r and \t; other C0 controls, DEL and each byte that is
 * not UTF-8 as \xNN ("\x1b"); C1 controls, line and paragraph separators
 * and bidirectional controls as \uNNNN ("\u009b", "\u202e"); a
 * backslash as \\, so that none of those spellings can be forged. */
char *bc_term_escape (const char *s);
/* Whether c is one bc_term_escape spells: C0, DEL, C1, a line or
 * paragraph separator, a bidirectional control. */
gboolean bc_term_needs_escape (gunichar c);
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
