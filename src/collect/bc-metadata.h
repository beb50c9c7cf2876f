/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: per-domain policy from the domain's own XML, in a <metadata>
 * element of the balloonctl namespace, so it travels with the VM:
 *
 *   virsh metadata DOM http://balloonctl.org/xmlns/domain/1.0 \
 *     --key balloonctl --set '<policy><min-mib>256</min-mib><weight>300</weight></policy>'
 *
 * Pure: XML text in, policy out. */
#pragma once

#include "bc-domain-limits.h"

#define BC_METADATA_NS "http://balloonctl.org/xmlns/domain/1.0"
#define BC_METADATA_KEY "balloonctl"

/* <max-mib> below this is refused: no Linux guest runs in less, and a
 * ceiling of 1 MiB (a typo for 1024) would squeeze a guest to nothing. */
#define BC_METADATA_MAX_MIB_LEAST 64

/* <weight>: the range of cgroup v2's memory and cpu weights. */

/* Parses the element virDomainGetMetadata() returns.  NULL xml means the
 * domain has no balloonctl metadata: defaults. */
gboolean bc_metadata_parse (const char *xml, BcDomainLimits *out, GError **error);
/* A <max-mib> without a <min-mib> below the floor the configuration gives
 * every domain ([domain] min-mib, default_min_kib) is refused too: the
 * ceiling would win over the floor. */
gboolean bc_metadata_check_floor (const BcDomainLimits *p, guint64 default_min_kib, GError **error);
