/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-domxml"

#include "bc-domxml.h"
#include "bc-error.h"

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
