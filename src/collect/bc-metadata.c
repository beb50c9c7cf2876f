/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-metadata"

#include "bc-metadata.h"
#include "bc-error.h"
#include "bc-quote.h"
#include "bc-vmem.h"

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

  g_autofree char *shown = NULL;

  if (!g_ascii_string_to_unsigned (s, 10, 1, MIB_MAX, &v, NULL))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> %s is not a size in MiB (1..%" G_GUINT64_FORMAT ")",
                         what, shown = bc_quote (s, BC_QUOTE_MAX), MIB_MAX);
  *out_kib = v * 1024;
  return TRUE;
}

static gboolean
check_max (guint64 max_kib, GError **error)
{
  if (max_kib < BC_METADATA_MAX_MIB_LEAST * 1024)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <max-mib> %" G_GUINT64_FORMAT " is below %d MiB, less than any guest runs in",
                         max_kib / 1024, BC_METADATA_MAX_MIB_LEAST);
  return TRUE;
}

static gboolean
parse_weight (const char *s, BcWeight *out, GError **error)
{
  g_autofree char *shown = NULL;
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 1, BC_WEIGHT_MAX, &v, NULL))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <weight> %s is not a weight (1..%d)",
                         shown = bc_quote (s, BC_QUOTE_MAX), BC_WEIGHT_MAX);
  *out = (guint) v;
  return TRUE;
}

static gboolean
parse_memory_device (const char *s, BcMemoryDevice *out, GError **error)
{
  g_autofree char *shown = NULL;

  if (!bc_memory_device_from_string (s, out))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <memory-device> %s is not auto, balloon or virtio-mem",
                         shown = bc_quote (s, BC_QUOTE_MAX));
  return TRUE;
}

static gboolean
parse_bool (const char *s, gboolean *out, GError **error)
{
  g_autofree char *shown = NULL;

  if (strcmp (s, "yes") == 0 || strcmp (s, "true") == 0)
    *out = TRUE;
  else if (strcmp (s, "no") == 0 || strcmp (s, "false") == 0)
    *out = FALSE;
  else
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <enabled> %s is not yes or no", shown = bc_quote (s, BC_QUOTE_MAX));
  return TRUE;
}

static const char *
node_kind (xmlElementType type)
{
  switch (type)
    {
    case XML_ELEMENT_NODE: return "an element";
    case XML_TEXT_NODE: return "text";
    case XML_CDATA_SECTION_NODE: return "a CDATA section";
    case XML_ENTITY_REF_NODE: return "an entity reference";
    case XML_PI_NODE: return "a processing instruction";
    case XML_COMMENT_NODE: return "a comment";
    default: return "a node of another kind";
    }
}

/* An element of ours: no namespace (libvirt removes ours from what
 * virDomainGetMetadata returns) or ours spelt out, and no attributes. */
static gboolean
check_element (xmlNode *e, GError **error)
{
  g_autofree char *name = bc_cut ((const char *) e->name, BC_QUOTE_MAX);
  g_autofree char *ns = NULL;

  if (e->ns && e->ns->href && strcmp ((const char *) e->ns->href, BC_METADATA_NS) != 0)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> is in namespace %s, not " BC_METADATA_NS,
                         name, ns = bc_quote ((const char *) e->ns->href, BC_QUOTE_MAX));
  if (e->properties)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> has an attribute", name);
  return TRUE;
}

/* The one text node that is the element's whole content, or NULL. */
static const char *
only_text (xmlNode *e, GError **error)
{
  xmlNode *c = e->children;

  if (c == NULL)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> is empty", e->name), NULL;
  for (; c; c = c->next)
    if (c->type != XML_TEXT_NODE || c != e->children)
      return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> holds %s; it may hold only its value",
                           e->name, node_kind (c->type)), NULL;
  return (const char *) e->children->content;
}

static gboolean
parse_child (xmlNode *child, BcDomainLimits *p, guint *seen, GError **error)
{
  static const char *const names[] = { "enabled", "min-mib", "max-mib", "weight", "memory-device" };
  const char *name = (const char *) child->name;
  g_autofree char *text = NULL, *shown = NULL;
  const char *raw;
  guint i;

  if (!check_element (child, error))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      break;
  if (i == G_N_ELEMENTS (names))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: unknown element <%s>", shown = bc_cut (name, BC_QUOTE_MAX));
  if (*seen & (1u << i))
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: <%s> given twice", name);
  *seen |= 1u << i;
  if ((raw = only_text (child, error)) == NULL)
    return FALSE;
  text = g_strstrip (g_strdup (raw));
  if (i == 0)
    return parse_bool (text, &p->enabled, error);
  if (i == 3)
    return parse_weight (text, &p->weight, error);
  if (i == 4)
    return parse_memory_device (text, &p->memory_device, error);
  if (i == 1)
    return parse_mib (name, text, &p->min_kib, error);
  return parse_mib (name, text, &p->max_kib, error) && check_max (p->max_kib, error);
}

/* <policy>: elements, and blanks between them; nothing else. */
static gboolean
parse_policy (xmlNode *root, BcDomainLimits *p, GError **error)
{
  guint seen = 0;

  if (!check_element (root, error))
    return FALSE;
  for (xmlNode *c = root->children; c; c = c->next)
    {
      if (c->type == XML_ELEMENT_NODE && !parse_child (c, p, &seen, error))
        return FALSE;
      if (c->type == XML_TEXT_NODE && !xmlIsBlankNode (c))
        return bc_set_error (error, BC_ERROR_METADATA, "metadata: text outside an element");
      if (c->type != XML_ELEMENT_NODE && c->type != XML_TEXT_NODE)
        return bc_set_error (error, BC_ERROR_METADATA, "metadata: <policy> holds %s; it may hold only elements",
                             node_kind (c->type));
    }
  return TRUE;
}

/* No DTD is read (no XML_PARSE_DTDLOAD), no entity substituted (no
 * XML_PARSE_NOENT), nothing fetched (XML_PARSE_NONET); a DOCTYPE, which
 * could declare entities, is refused outright. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)

gboolean
bc_metadata_parse (const char *xml, BcDomainLimits *out, GError **error)
{
  BcDomainLimits p = { TRUE, 0, 0, 0 };
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *name = NULL;
  xmlNode *root;

  if (xml == NULL)
    {
      *out = p;
      return TRUE;
    }
  if (strlen (xml) > METADATA_TEXT_MAX)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: longer than %d bytes", METADATA_TEXT_MAX);
  doc = xmlReadMemory (xml, (int) strlen (xml), "metadata.xml", NULL, PARSE_OPTIONS);
  if (doc == NULL || (root = xmlDocGetRootElement (doc)) == NULL)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: not well-formed XML");
  if (doc->intSubset || doc->extSubset)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: a DOCTYPE is not allowed");
  if (strcmp ((const char *) root->name, "policy") != 0)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: root element is <%s>, expected <policy>",
                         name = bc_cut ((const char *) root->name, BC_QUOTE_MAX));
  if (!parse_policy (root, &p, error))
    return FALSE;
  if (p.min_kib && p.max_kib && p.min_kib > p.max_kib)
    return bc_set_error (error, BC_ERROR_METADATA, "metadata: min-mib is above max-mib");
  *out = p;
  return TRUE;
}

gboolean
bc_metadata_check_floor (const BcDomainLimits *p, guint64 default_min_kib, GError **error)
{
  if (p->max_kib == 0 || p->min_kib != 0 || p->max_kib >= default_min_kib)
    return TRUE;
  return bc_set_error (error, BC_ERROR_METADATA, "metadata: <max-mib> %" G_GUINT64_FORMAT " is below [domain] min-mib %" G_GUINT64_FORMAT
                       " of the configuration; give a <min-mib> too if so small a ceiling is meant",
                       p->max_kib / 1024, default_min_kib / 1024);
}
