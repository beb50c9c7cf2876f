/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-vmem"

#include "bc-vmem.h"
#include "bc-error.h"
#include "bc-meminfo.h"

static gboolean
whole_blocks (guint64 kib, guint64 block_kib)
{
  return kib % block_kib == 0;
}

gboolean
bc_vmem_device_valid (const BcVmemDevice *dev, GError **error)
{
  const guint64 b = dev->block_kib;

  if (b == 0 || (b & (b - 1)) != 0)
    return bc_set_error (error, BC_ERROR_FAILED, "virtio-mem block size %" G_GUINT64_FORMAT " KiB is not a power of two", b);
  if (dev->size_kib == 0 || dev->size_kib > BC_GUEST_KIB_MAX || dev->fixed_kib > BC_GUEST_KIB_MAX - dev->size_kib)
    return bc_set_error (error, BC_ERROR_FAILED, "virtio-mem size %" G_GUINT64_FORMAT " KiB beside %" G_GUINT64_FORMAT " KiB of other memory is out of range",
                         dev->size_kib, dev->fixed_kib);
  if (!whole_blocks (dev->size_kib, b) || !whole_blocks (dev->requested_kib, b) || !whole_blocks (dev->plugged_kib, b))
    return bc_set_error (error, BC_ERROR_FAILED, "virtio-mem sizes (size %" G_GUINT64_FORMAT ", requested %" G_GUINT64_FORMAT ", plugged %" G_GUINT64_FORMAT " KiB) are not whole blocks of %" G_GUINT64_FORMAT " KiB",
                         dev->size_kib, dev->requested_kib, dev->plugged_kib, b);
  if (dev->requested_kib > dev->size_kib || dev->plugged_kib > dev->size_kib)
    return bc_set_error (error, BC_ERROR_FAILED, "virtio-mem requested (%" G_GUINT64_FORMAT " KiB) or plugged (%" G_GUINT64_FORMAT " KiB) size beyond the device's %" G_GUINT64_FORMAT " KiB",
                         dev->requested_kib, dev->plugged_kib, dev->size_kib);
  return TRUE;
}

guint64
bc_vmem_current_kib (const BcVmemDevice *dev)
{
  return dev->fixed_kib + dev->plugged_kib;
}

guint64
bc_vmem_max_kib (const BcVmemDevice *dev)
{
  return dev->fixed_kib + dev->size_kib;
}

guint64
bc_vmem_requested_for (const BcVmemDevice *dev, guint64 target_kib)
{
  guint64 part;

  if (target_kib <= dev->fixed_kib)
    return 0;
  part = target_kib - dev->fixed_kib;
  if (part >= dev->size_kib)
    return dev->size_kib;
  /* up: the guest never gets less than its target */
  return MIN ((part + dev->block_kib - 1) / dev->block_kib * dev->block_kib, dev->size_kib);
}

static guint64
gap_kib (const BcVmemDevice *dev)
{
  return dev->plugged_kib > dev->requested_kib ? dev->plugged_kib - dev->requested_kib
                                               : dev->requested_kib - dev->plugged_kib;
}

static gboolean
held (const BcVmemFollow *f, gint64 now_ms)
{
  return f->held_until_ms != 0 && now_ms < f->held_until_ms;
}

BcVmemProgress
bc_vmem_follow (BcVmemFollow *f, const BcVmemDevice *dev, gint64 now_ms)
{
  guint64 gap = gap_kib (dev);

  if (f->since_ms == 0 || gap == 0 || dev->plugged_kib != f->last_plugged_kib)
    {
      f->last_plugged_kib = dev->plugged_kib;
      f->since_ms = now_ms;
    }
  if (gap == 0)
    return BC_VMEM_REACHED;
  if (held (f, now_ms))
    return BC_VMEM_HELD;
  if (now_ms - f->since_ms < BC_VMEM_STALL_MS)
    return BC_VMEM_MOVING;
  f->held_until_ms = now_ms + BC_VMEM_HOLD_MS;
  f->held_shrink = dev->requested_kib < dev->plugged_kib;
  return BC_VMEM_STALLED;
}

guint64
bc_vmem_request (const BcVmemFollow *f, const BcVmemDevice *dev, guint64 target_kib, gint64 now_ms)
{
  guint64 want = bc_vmem_requested_for (dev, target_kib);

  if (held (f, now_ms) && (f->held_shrink ? want < dev->plugged_kib : want > dev->plugged_kib))
    want = dev->plugged_kib; /* withdraw what the guest did not follow */
  return want == dev->requested_kib ? BC_VMEM_NO_REQUEST : want;
}

const char *
bc_vmem_progress_to_string (BcVmemProgress p)
{
  static const char *const names[] = { "reached", "moving", "stalled", "held" };

  return (guint) p < G_N_ELEMENTS (names) ? names[p] : "unknown";
}

static const char *const device_names[] = { NULL, "auto", "balloon", "virtio-mem" };

gboolean
bc_memory_device_from_string (const char *s, BcMemoryDevice *out)
{
  for (guint i = BC_MEMORY_DEVICE_AUTO; i < G_N_ELEMENTS (device_names); i++)
    if (g_strcmp0 (s, device_names[i]) == 0)
      {
        *out = (BcMemoryDevice) i;
        return TRUE;
      }
  return FALSE;
}

const char *
bc_memory_device_to_string (BcMemoryDevice d)
{
  return (guint) d < G_N_ELEMENTS (device_names) && device_names[d] ? device_names[d] : "unset";
}

BcMemoryDevice
bc_memory_device_choose (BcMemoryDevice config, BcMemoryDevice metadata)
{
  return metadata != BC_MEMORY_DEVICE_UNSET ? metadata : config;
}
