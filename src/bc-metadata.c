/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-metadata"

#include "bc-metadata.h"
#include "bc-error.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

#define METADATA_TEXT_MAX 4096
#define MIB_MAX (G_GUINT64_CONSTANT (1) << 24) /* 16 TiB */

static gboolean
parse_mib (const char *what, const char *s, guint64 *out_kib, GError **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 1, MIB_MAX, &v, NULL))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> '%s' is not a size in MiB (1..%" G_GUINT64_FORMAT ")",
                         what, s, MIB_MAX);
  *out_kib = v * 1024;
  return TRUE;
}

static gboolean
parse_bool (const char *s, gboolean *out, GError **error)
{
  if (strcmp (s, "yes") == 0 || strcmp (s, "true") == 0)
    *out = TRUE;
  else if (strcmp (s, "no") == 0 || strcmp (s, "false") == 0)
    *out = FALSE;
  else
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <enabled> '%s' is not yes or no", s);
  return TRUE;
}

static gboolean
parse_child (xmlNode *child, BcDomainPolicy *p, guint *seen, GError **error)
{
  static const char *const names[] = { "enabled", "min-mib", "max-mib" };
  const char *name = (const char *) child->name;
  g_autofree char *text = NULL;
  xmlChar *raw;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      break;
  if (i == G_N_ELEMENTS (names))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: unknown element <%s>", name);
  if (*seen & (1u << i))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> given twice", name);
  *seen |= 1u << i;
  raw = xmlNodeGetContent (child);
  text = g_strstrip (g_strdup (raw ? (const char *) raw : ""));
  xmlFree (raw);
  if (i == 0)
    return parse_bool (text, &p->enabled, error);
  return parse_mib (name, text, i == 1 ? &p->min_kib : &p->max_kib, error);
}

gboolean
bc_metadata_parse (const char *xml, BcDomainPolicy *out, GError **error)
{
  BcDomainPolicy p = { TRUE, 0, 0 };
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *root;
  guint seen = 0;

  if (xml == NULL)
    {
      *out = p;
      return TRUE;
    }
  if (strlen (xml) > METADATA_TEXT_MAX)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: longer than %d bytes", METADATA_TEXT_MAX);
  doc = xmlReadMemory (xml, (int) strlen (xml), "metadata.xml", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
  if (doc == NULL || (root = xmlDocGetRootElement (doc)) == NULL)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: not well-formed XML");
  if (strcmp ((const char *) root->name, "policy") != 0)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: root element is <%s>, expected <policy>", root->name);
  for (xmlNode *c = root->children; c; c = c->next)
    {
      if (c->type == XML_ELEMENT_NODE && !parse_child (c, &p, &seen, error))
        return FALSE;
      if (c->type == XML_TEXT_NODE && !xmlIsBlankNode (c))
        return bc_set_error (error, BC_ERROR_METADATA, "metadata: text outside an element");
    }
  if (p.min_kib && p.max_kib && p.min_kib > p.max_kib)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: min-mib is above max-mib");
  *out = p;
  return TRUE;
}
