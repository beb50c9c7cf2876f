/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect, the daemon's side, for virtio-mem: which domains their device
 * sizes, and a read of that device every pass, since what the guest
 * plugged is the domain's size. */
#pragma once

#include "bc-daemon-private.h"

/* After a setup: whether the device sizes the domain (its metadata's
 * <memory-device>, else the configuration's), said when that changes; a
 * domain that asks for virtio-mem and has no device it can drive, or asks
 * for its balloon and has none, is not managed. */
void bc_gather_vmem_setup (BcDomain *dom, const BcDomainSetup *s, BcMemoryDevice config);
/* A read of the device, for a domain it sizes, unless one runs. */
void bc_gather_vmem (BcDaemon *d, BcDomain *dom);
/* The domain's size and maximum in its figures become the device's: the
 * fixed memory plus what is plugged, and plus its size. */
void bc_gather_vmem_figures (BcDomain *dom);
