/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: /etc/balloonctl/balloonctl.conf (GKeyFile).  Every key is
 * range-checked; unknown groups or keys are errors naming file, group, key.
 * The file must be a regular file of at most BC_CONFIG_SIZE_MAX bytes; a
 * NUL byte, a group or key given twice and localised keys are errors. */
#pragma once

#include "bc-config.h"

#define BC_CONFIG_SIZE_MAX (64 * 1024)

/* Loads path over cfg; on an error cfg is left as it was.  A missing file
 * is an error unless missing_ok (the default path).  Never blocks on a
 * FIFO or a device: anything but a regular file is refused. */
gboolean bc_config_load (BcConfig *cfg, const char *path, gboolean missing_ok, GError **error);
/* The same from text, name for the messages. */
gboolean bc_config_load_data (BcConfig *cfg, const char *data, const char *name, GError **error);
