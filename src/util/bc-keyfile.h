/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The strictness GKeyFile lacks, checked on the text before it is parsed:
 * no NUL byte (GKeyFile stops at one), no group given twice (GKeyFile
 * merges them), no key given twice in a group (GKeyFile keeps the last),
 * no localised key[xx] (GKeyFile hides them from its key list), and every
 * line blank, a comment, a [group] or a key=value.  Pure. */
#pragma once

#include <glib.h>

/* name is the file's name as it goes into messages (raw: escaped where
 * a message is written). */
gboolean bc_keyfile_check (const char *data, gsize len, const char *name, GError **error);
