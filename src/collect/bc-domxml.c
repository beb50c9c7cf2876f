/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-domxml"

#include "bc-domxml.h"
#include "bc-error.h"
#include "bc-meminfo.h"

#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlXPathObject, xmlXPathFreeObject)

static char *
xpath_string (xmlXPathContext *ctx, const char *expr)
{
  g_autoptr (xmlXPathObject) obj = xmlXPathEvalExpression ((const xmlChar *) expr, ctx);
  xmlChar *s;
  char *ret;

  if (obj == NULL)
    return NULL;
  s = xmlXPathCastToString (obj);
  ret = s && *s ? g_strdup ((const char *) s) : NULL;
  xmlFree (s);
  return ret;
}

gboolean
bc_domxml_parse_balloon (const char *xml, BcDomainBalloon *out, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (xmlXPathContext) ctx = NULL;
  g_autofree char *model = NULL;
  g_autofree char *period = NULL;
  g_autofree char *autodeflate = NULL;
  guint64 p = 0;

  doc = xmlReadMemory (xml, (int) strlen (xml), "domain.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL || (ctx = xmlXPathNewContext (doc)) == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML is not well-formed");
  model = xpath_string (ctx, "string(/domain/devices/memballoon/@model)");
  period = xpath_string (ctx, "string(/domain/devices/memballoon/stats/@period)");
  autodeflate = xpath_string (ctx, "string(/domain/devices/memballoon/@autodeflate)");
  out->has_balloon = model != NULL && g_strcmp0 (model, "none") != 0;
  out->autodeflate = g_strcmp0 (autodeflate, "on") == 0;
  if (period && !g_ascii_string_to_unsigned (period, 10, 0, G_MAXINT, &p, NULL))
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: memballoon stats period '%s' is not a number", period);
  out->stats_period_s = (gint) p;
  return TRUE;
}

/* ---- virtio-mem ---------------------------------------------------------- */

#define VMEM "/domain/devices/memory[@model='virtio-mem']"

/* The multiplier of a libvirt unit, as virScaleInteger reads them: b,
 * byte, bytes; k, m, g, t, p, e alone or with iB (powers of 1024), or with
 * B (powers of 1000), the letter in either case.  0 = not a unit. */
static guint64
unit_bytes (const char *unit)
{
  const char *letters = "kmgtpe", *at;
  guint64 base, scale = 1;

  if (g_str_equal (unit, "b") || g_str_equal (unit, "byte") || g_str_equal (unit, "bytes"))
    return 1;
  if (unit[0] == '\0' || (at = strchr (letters, g_ascii_tolower (unit[0]))) == NULL)
    return 0;
  if (g_str_equal (unit + 1, "") || g_str_equal (unit + 1, "iB"))
    base = 1024;
  else if (g_str_equal (unit + 1, "B"))
    base = 1000;
  else
    return 0;
  for (const char *l = letters; l <= at; l++)
    scale *= base;
  return scale;
}

/* The size at expr (an element) in KiB, its unit attribute read (KiB
 * without one), rounded up to a KiB as libvirt does; *kib stays as it is
 * when the element is absent and optional. */
static gboolean
size_kib (xmlXPathContext *ctx, const char *expr, gboolean optional, guint64 *kib, GError **error)
{
  g_autofree char *value_expr = g_strdup_printf ("string(%s)", expr);
  g_autofree char *unit_expr = g_strdup_printf ("string(%s/@unit)", expr);
  g_autofree char *value = xpath_string (ctx, value_expr);
  g_autofree char *unit = xpath_string (ctx, unit_expr);
  guint64 v = 0, scale = unit ? unit_bytes (unit) : 1024;

  if (value == NULL && optional)
    return TRUE;
  if (value == NULL)
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: no %s", expr);
  if (scale == 0)
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: %s: unit '%s' is not one libvirt knows", expr, unit);
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &v, NULL))
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: %s '%s' is not a number", expr, value);
  if (v > BC_GUEST_KIB_MAX * 1024 / scale)
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: %s %s %s is beyond %" G_GUINT64_FORMAT " KiB",
                         expr, value, unit ? unit : "KiB", (guint64) BC_GUEST_KIB_MAX);
  *kib = (v * scale + 1023) / 1024;
  return TRUE;
}

static gboolean
vmem_figures (xmlXPathContext *ctx, BcDomainVmem *out, GError **error)
{
  BcVmemDevice *d = &out->dev;
  guint64 memory_kib = 0, node = 0;
  g_autofree char *node_s = xpath_string (ctx, "string(" VMEM "/target/node)");

  if (!size_kib (ctx, "/domain/memory", FALSE, &memory_kib, error) ||
      !size_kib (ctx, VMEM "/target/size", FALSE, &d->size_kib, error) ||
      !size_kib (ctx, VMEM "/target/block", FALSE, &d->block_kib, error) ||
      !size_kib (ctx, VMEM "/target/requested", FALSE, &d->requested_kib, error) ||
      !size_kib (ctx, VMEM "/target/current", FALSE, &d->plugged_kib, error))
    return FALSE;
  if (node_s && !g_ascii_string_to_unsigned (node_s, 10, 0, G_MAXINT, &node, NULL))
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: virtio-mem node '%s' is not a number", node_s);
  out->node = (guint) node;
  if (memory_kib < d->size_kib)
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: <memory> (%" G_GUINT64_FORMAT " KiB) is smaller than its virtio-mem device (%" G_GUINT64_FORMAT " KiB)",
                         memory_kib, d->size_kib);
  d->fixed_kib = memory_kib - d->size_kib;
  return bc_vmem_device_valid (d, error);
}

static xmlDoc *
read_doc (const char *xml, xmlXPathContext **ctx, GError **error)
{
  xmlDoc *doc = xmlReadMemory (xml, (int) strlen (xml), "domain.xml", NULL,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

  if (doc != NULL && (*ctx = xmlXPathNewContext (doc)) != NULL)
    return doc;
  g_clear_pointer (&doc, xmlFreeDoc);
  bc_set_error (error, BC_ERROR_FAILED, "domain XML is not well-formed");
  return NULL;
}

gboolean
bc_domxml_parse_vmem (const char *xml, BcDomainVmem *out, GError **error)
{
  g_autoptr (xmlXPathContext) ctx = NULL;
  g_autoptr (xmlDoc) doc = read_doc (xml, &ctx, error);
  g_autofree char *n = NULL;

  memset (out, 0, sizeof *out);
  if (doc == NULL)
    return FALSE;
  n = xpath_string (ctx, "string(count(" VMEM "))");
  out->n_devices = (guint) g_ascii_strtoull (n ? n : "0", NULL, 10);
  if (out->n_devices > 1)
    return bc_set_error (error, BC_ERROR_FAILED, "domain XML: %u virtio-mem devices; balloonctl drives a domain's one device only", out->n_devices);
  return out->n_devices == 0 || vmem_figures (ctx, out, error);
}

static xmlNode *
child (xmlNode *parent, const char *name)
{
  for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && xmlStrEqual (c->name, (const xmlChar *) name))
      return c;
  return NULL;
}

/* The <requested> of the device's <target>, made if there is none. */
static xmlNode *
requested_node (xmlXPathContext *ctx, GError **error)
{
  g_autoptr (xmlXPathObject) obj = xmlXPathEvalExpression ((const xmlChar *) VMEM, ctx);
  xmlNode *target;

  if (obj == NULL || obj->nodesetval == NULL || obj->nodesetval->nodeNr != 1)
    {
      bc_set_error (error, BC_ERROR_FAILED, "domain XML: no single virtio-mem device to resize");
      return NULL;
    }
  target = child (obj->nodesetval->nodeTab[0], "target");
  if (target == NULL)
    {
      bc_set_error (error, BC_ERROR_FAILED, "domain XML: the virtio-mem device has no <target>");
      return NULL;
    }
  return child (target, "requested") ? child (target, "requested")
                                     : xmlNewChild (target, NULL, (const xmlChar *) "requested", NULL);
}

char *
bc_domxml_vmem_update (const char *xml, guint64 requested_kib, GError **error)
{
  g_autoptr (xmlXPathContext) ctx = NULL;
  g_autoptr (xmlDoc) doc = read_doc (xml, &ctx, error);
  g_autofree char *value = g_strdup_printf ("%" G_GUINT64_FORMAT, requested_kib);
  xmlNode *req = doc ? requested_node (ctx, error) : NULL;
  xmlBuffer *buf;
  char *ret;

  if (req == NULL)
    return NULL;
  xmlNodeSetContent (req, (const xmlChar *) value);
  xmlSetProp (req, (const xmlChar *) "unit", (const xmlChar *) "KiB");
  buf = xmlBufferCreate ();
  xmlNodeDump (buf, doc, req->parent->parent, 0, 0);
  ret = g_strdup ((const char *) xmlBufferContent (buf));
  xmlBufferFree (buf);
  return ret;
}
