/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bc-figures.h"

const char *
bc_source_to_string (BcSource source)
{
  switch (source)
    {
    case BC_SOURCE_AGENT: return "agent";
    case BC_SOURCE_BALLOON: return "balloon-only";
    case BC_SOURCE_NONE:
    default: return "none";
    }
}
