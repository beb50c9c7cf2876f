/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: /etc/balloonctl/balloonctl.conf (GKeyFile).  Every key is
 * range-checked; unknown groups or keys are errors naming file, group, key.
 * The file must be a regular file of at most BC_CONFIG_SIZE_MAX bytes; a
 * NUL byte, a group or key given twice and localised keys are errors. */
#pragma once

#include "bc-config.h"

#define BC_CONFIG_SIZE_MAX (64 * 1024)

typedef enum {
  BC_CONFIG_INT, BC_CONFIG_WEIGHT, BC_CONFIG_MIB, BC_CONFIG_BOOL, BC_CONFIG_POLICY, BC_CONFIG_LISTEN, BC_CONFIG_PATH,
  BC_CONFIG_DEVICE, /* auto, balloon, virtio-mem (BcMemoryDevice) */
} BcConfigKeyType;

/* Whether a recording (bc-record.h) holds the key. */
typedef enum {
  BC_CONFIG_RECORDED,
  BC_CONFIG_RECORDED_LATER,  /* added later: a recording made before lacks
                                it, and reads as false or 0, the
                                behaviour before it */
  BC_CONFIG_RECORDED_LATER_DEFAULT, /* ...as its default: no decision
                                reads it */
  BC_CONFIG_NOT_RECORDED,    /* no decision reads it */
} BcConfigRecorded;

/* One key of the file: where it goes in BcConfig, its range in its own
 * unit (ms, MiB). */
typedef struct {
  const char *group;
  const char *key;
  BcConfigKeyType type;
  gsize offset;
  gint64 min, max;
  BcConfigRecorded recorded;
} BcConfigKey;

/* Every key of the file, n of them. */
const BcConfigKey *bc_config_keys (gsize *n);

/* Loads path over cfg; on an error cfg is left as it was.  A missing file
 * is an error unless missing_ok (the default path).  Never blocks on a
 * FIFO or a device: anything but a regular file is refused. */
gboolean bc_config_load (BcConfig *cfg, const char *path, gboolean missing_ok, GError **error);
/* The same from text, name for the messages. */
gboolean bc_config_load_data (BcConfig *cfg, const char *data, const char *name, GError **error);
