/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Domain metadata and live-XML facts. */
#include "bc-domxml.h"
#include "bc-error.h"
#include "bc-metadata.h"

static void
test_metadata_good (void)
{
  BcDomainLimits p;

  g_assert_true (bc_metadata_parse (NULL, &p, NULL));
  g_assert_true (p.enabled);
  g_assert_cmpuint (p.min_kib, ==, 0);
  g_assert_cmpuint (p.weight, ==, 0);
  g_assert_true (bc_metadata_parse ("<policy/>", &p, NULL));
  g_assert_true (p.enabled);
  g_assert_true (bc_metadata_parse ("<balloonctl:policy xmlns:balloonctl='" BC_METADATA_NS "'>"
                                    "<balloonctl:enabled>no</balloonctl:enabled>"
                                    "<balloonctl:min-mib> 256 </balloonctl:min-mib>"
                                    "<balloonctl:max-mib>1024</balloonctl:max-mib>"
                                    "</balloonctl:policy>", &p, NULL));
  g_assert_false (p.enabled);
  g_assert_cmpuint (p.min_kib, ==, 256 * 1024);
  g_assert_cmpuint (p.max_kib, ==, 1024 * 1024);
  /* as virDomainGetMetadata returns it (our namespace removed), indented */
  g_assert_true (bc_metadata_parse ("<policy>\n  <min-mib>5</min-mib>\n  <max-mib>4096</max-mib>\n</policy>\n", &p, NULL));
  g_assert_cmpuint (p.min_kib, ==, 5 * 1024);
  g_assert_cmpuint (p.max_kib, ==, 4096 * 1024);
  /* our namespace as the default one */
  g_assert_true (bc_metadata_parse ("<policy xmlns='" BC_METADATA_NS "'><min-mib>7</min-mib></policy>", &p, NULL));
  g_assert_cmpuint (p.min_kib, ==, 7 * 1024);
  g_assert_cmpuint (p.weight, ==, 0);
  /* weight: cgroup v2's range */
  g_assert_true (bc_metadata_parse ("<policy xmlns='" BC_METADATA_NS "'><weight> 300 </weight></policy>", &p, NULL));
  g_assert_cmpuint (p.weight, ==, 300);
  g_assert_true (bc_metadata_parse ("<policy><weight>1</weight><min-mib>7</min-mib></policy>", &p, NULL));
  g_assert_cmpuint (p.weight, ==, 1);
  g_assert_cmpuint (p.min_kib, ==, 7 * 1024);
  g_assert_true (bc_metadata_parse ("<policy><weight>10000</weight></policy>", &p, NULL));
  g_assert_cmpuint (p.weight, ==, 10000);
  g_assert_cmpint (p.memory_device, ==, BC_MEMORY_DEVICE_UNSET);
  /* what sizes it: over the configuration's choice */
  g_assert_true (bc_metadata_parse ("<policy><memory-device> balloon </memory-device></policy>", &p, NULL));
  g_assert_cmpint (p.memory_device, ==, BC_MEMORY_DEVICE_BALLOON);
  g_assert_cmpint (bc_memory_device_choose (BC_MEMORY_DEVICE_AUTO, p.memory_device), ==, BC_MEMORY_DEVICE_BALLOON);
  g_assert_true (bc_metadata_parse ("<policy><memory-device>virtio-mem</memory-device></policy>", &p, NULL));
  g_assert_cmpint (p.memory_device, ==, BC_MEMORY_DEVICE_VIRTIO_MEM);
  g_assert_true (bc_metadata_parse ("<policy><memory-device>auto</memory-device></policy>", &p, NULL));
  g_assert_cmpint (p.memory_device, ==, BC_MEMORY_DEVICE_AUTO);
  g_assert_true (bc_metadata_parse ("<policy/>", &p, NULL));
  g_assert_cmpint (bc_memory_device_choose (BC_MEMORY_DEVICE_BALLOON, p.memory_device), ==, BC_MEMORY_DEVICE_BALLOON);
}

static void
test_metadata_bad (void)
{
  static const struct { const char *xml, *message; } cases[] = {
    { "<policy>", "metadata: not well-formed XML" },
    { "<limits/>", "metadata: root element is <limits>, expected <policy>" },
    { "<policy><min-mib>lots</min-mib></policy>", "metadata: <min-mib> 'lots' is not a size in MiB (1..16777216)" },
    { "<policy><min-mib>-5</min-mib></policy>", "metadata: <min-mib> '-5' is not a size in MiB (1..16777216)" },
    { "<policy><max-mib>0</max-mib></policy>", "metadata: <max-mib> '0' is not a size in MiB (1..16777216)" },
    { "<policy><max-mib>99999999999999999999999</max-mib></policy>", "metadata: <max-mib> '99999999999999999999999' is not a size in MiB (1..16777216)" },
    { "<policy><enabled>maybe</enabled></policy>", "metadata: <enabled> 'maybe' is not yes or no" },
    { "<policy><weight>0</weight></policy>", "metadata: <weight> '0' is not a weight (1..10000)" },
    { "<policy><weight>10001</weight></policy>", "metadata: <weight> '10001' is not a weight (1..10000)" },
    { "<policy><weight>-100</weight></policy>", "metadata: <weight> '-100' is not a weight (1..10000)" },
    { "<policy><weight>1.5</weight></policy>", "metadata: <weight> '1.5' is not a weight (1..10000)" },
    { "<policy><weight>0x64</weight></policy>", "metadata: <weight> '0x64' is not a weight (1..10000)" },
    { "<policy><weight>heavy</weight></policy>", "metadata: <weight> 'heavy' is not a weight (1..10000)" },
    { "<policy><memory-device>unset</memory-device></policy>", "metadata: <memory-device> 'unset' is not auto, balloon or virtio-mem" },
    { "<policy><memory-device>dimm</memory-device></policy>", "metadata: <memory-device> 'dimm' is not auto, balloon or virtio-mem" },
    { "<policy><memory-device>auto</memory-device><memory-device>auto</memory-device></policy>", "metadata: <memory-device> given twice" },
    { "<policy><weight>18446744073709551716</weight></policy>", "metadata: <weight> '18446744073709551716' is not a weight (1..10000)" },
    { "<policy><weight>300</weight><weight>100</weight></policy>", "metadata: <weight> given twice" },
    { "<policy><weight/></policy>", "metadata: <weight> is empty" },
    { "<policy><weight>3<!--x-->00</weight></policy>", "metadata: <weight> holds a comment; it may hold only its value" },
    { "<policy><weight scale='cgroup'>300</weight></policy>", "metadata: <weight> has an attribute" },
    { "<policy><min-mib>1</min-mib><min-mib>2</min-mib></policy>", "metadata: <min-mib> given twice" },
    { "<policy><min-mib>900</min-mib><max-mib>800</max-mib></policy>", "metadata: min-mib is above max-mib" },
    { "<policy><max-mib>1</max-mib></policy>", "metadata: <max-mib> 1 is below 64 MiB, less than any guest runs in" },
    { "<policy><min-mib>1</min-mib><max-mib>63</max-mib></policy>", "metadata: <max-mib> 63 is below 64 MiB, less than any guest runs in" },
    { "<policy><color>red</color></policy>", "metadata: unknown element <color>" },
    { "<policy>junk</policy>", "metadata: text outside an element" },
    /* each child holds its value and nothing else */
    { "<policy><min-mib>5<!--x-->12</min-mib></policy>", "metadata: <min-mib> holds a comment; it may hold only its value" },
    { "<policy><min-mib><![CDATA[512]]></min-mib></policy>", "metadata: <min-mib> holds a CDATA section; it may hold only its value" },
    { "<policy><min-mib>5<![CDATA[12]]></min-mib></policy>", "metadata: <min-mib> holds a CDATA section; it may hold only its value" },
    { "<policy><min-mib><value>512</value></min-mib></policy>", "metadata: <min-mib> holds an element; it may hold only its value" },
    { "<policy><max-mib>512<x:unit xmlns:x='urn:other'>MiB</x:unit></max-mib></policy>", "metadata: <max-mib> holds an element; it may hold only its value" },
    { "<policy><min-mib>5<?pi x?>12</min-mib></policy>", "metadata: <min-mib> holds a processing instruction; it may hold only its value" },
    { "<policy><min-mib/></policy>", "metadata: <min-mib> is empty" },
    { "<policy><enabled></enabled></policy>", "metadata: <enabled> is empty" },
    { "<policy><min-mib unit='GiB'>1</min-mib></policy>", "metadata: <min-mib> has an attribute" },
    /* <policy> holds elements only */
    { "<policy><!--x--><min-mib>512</min-mib></policy>", "metadata: <policy> holds a comment; it may hold only elements" },
    { "<policy><?pi x?><min-mib>512</min-mib></policy>", "metadata: <policy> holds a processing instruction; it may hold only elements" },
    { "<policy><![CDATA[<min-mib>512</min-mib>]]></policy>", "metadata: <policy> holds a CDATA section; it may hold only elements" },
    { "<policy version='2'/>", "metadata: <policy> has an attribute" },
    /* only balloonctl's namespace (none: libvirt removes it) */
    { "<policy xmlns:x='urn:other'><x:min-mib>512</x:min-mib></policy>", "metadata: <min-mib> is in namespace 'urn:other', not " BC_METADATA_NS },
    { "<policy xmlns='urn:other'><min-mib>512</min-mib></policy>", "metadata: <policy> is in namespace 'urn:other', not " BC_METADATA_NS },
    /* no DTD, so no entity: neither internal nor external */
    { "<!DOCTYPE policy [<!ENTITY e '512'>]><policy><min-mib>&e;</min-mib></policy>", "metadata: a DOCTYPE is not allowed" },
    { "<!DOCTYPE p [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><policy><min-mib>&e;</min-mib></policy>", "metadata: a DOCTYPE is not allowed" },
    { "<!DOCTYPE policy SYSTEM 'file:///etc/passwd'><policy/>", "metadata: a DOCTYPE is not allowed" },
    { "<!DOCTYPE policy><policy/>", "metadata: a DOCTYPE is not allowed" },
    { "<policy><min-mib>&e;</min-mib></policy>", "metadata: not well-formed XML" },
    /* values quoted, cut, raw (escaped where the message is written) */
    { "<policy><min-mib>a&#9;&#x9b;2J'</min-mib></policy>", "metadata: <min-mib> 'a\t\xc2\x9b" "2J'' is not a size in MiB (1..16777216)" },
    { "<policy><enabled>0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefTAIL</enabled></policy>",
      "metadata: <enabled> '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'... is not yes or no" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      BcDomainLimits p = { 0 };

      g_test_message ("case %u", i);
      g_assert_false (bc_metadata_parse (cases[i].xml, &p, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_METADATA);
      g_test_message ("%s", error->message);
      if (cases[i].message)
        g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_metadata_huge (void)
{
  g_autoptr (GString) s = g_string_new ("<policy>");
  g_autoptr (GError) error = NULL;
  BcDomainLimits p;

  for (guint i = 0; i < 1000; i++)
    g_string_append (s, "<!-- padding -->");
  g_string_append (s, "</policy>");
  g_assert_false (bc_metadata_parse (s->str, &p, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_METADATA);
}

/* A ceiling below the configuration's floor, with no floor of its own, is
 * refused; with its own floor, or above the configured one, it stands. */
static void
test_metadata_floor (void)
{
  BcDomainLimits p = { .enabled = TRUE, .max_kib = 100 * 1024 };
  g_autoptr (GError) error = NULL;

  g_assert_false (bc_metadata_check_floor (&p, 128 * 1024, &error));
  g_assert_cmpstr (error->message, ==, "metadata: <max-mib> 100 is below [domain] min-mib 128 of the configuration; "
                                       "give a <min-mib> too if so small a ceiling is meant");
  g_assert_true (bc_metadata_check_floor (&p, 100 * 1024, NULL));
  p.min_kib = 64 * 1024;
  g_assert_true (bc_metadata_check_floor (&p, 128 * 1024, NULL));
  p = (BcDomainLimits) { .enabled = TRUE };
  g_assert_true (bc_metadata_check_floor (&p, 128 * 1024, NULL));
}

static void
test_domxml (void)
{
  BcDomainBalloon b;
  g_autoptr (GError) error = NULL;

  g_assert_true (bc_domxml_parse_balloon ("<domain><devices><memballoon model='virtio'><stats period='5'/></memballoon></devices></domain>", &b, NULL));
  g_assert_true (b.has_balloon);
  g_assert_cmpint (b.stats_period_s, ==, 5);
  g_assert_true (bc_domxml_parse_balloon ("<domain><devices><memballoon model='virtio'/></devices></domain>", &b, NULL));
  g_assert_true (b.has_balloon);
  g_assert_cmpint (b.stats_period_s, ==, 0);
  g_assert_false (b.autodeflate);
  g_assert_true (bc_domxml_parse_balloon ("<domain><devices><memballoon model='virtio' autodeflate='on'/></devices></domain>", &b, NULL));
  g_assert_true (b.autodeflate);
  g_assert_true (bc_domxml_parse_balloon ("<domain><devices><memballoon model='virtio' autodeflate='off'/></devices></domain>", &b, NULL));
  g_assert_false (b.autodeflate);
  g_assert_true (bc_domxml_parse_balloon ("<domain><devices><memballoon model='none'/></devices></domain>", &b, NULL));
  g_assert_false (b.has_balloon);
  g_assert_true (bc_domxml_parse_balloon ("<domain><devices/></domain>", &b, NULL));
  g_assert_false (b.has_balloon);
  g_assert_false (bc_domxml_parse_balloon ("<domain><devices><memballoon model='virtio'><stats period='-1'/></memballoon></devices></domain>", &b, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
}

/* The lab guest's live XML (libvirt 9.0), trimmed to what is read. */
#define VMEM_XML(memory, target) \
  "<domain type='qemu'><name>vm1</name>" memory \
  "<devices><memballoon model='virtio'/><memory model='virtio-mem'><target>" target "</target>" \
  "<alias name='virtiomem0'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>" \
  "</memory></devices></domain>"
#define LAB_MEMORY "<maxMemory slots='1' unit='KiB'>786432</maxMemory><memory unit='KiB'>786432</memory>"
#define LAB_TARGET(requested, current) \
  "<size unit='KiB'>524288</size><node>0</node><block unit='KiB'>2048</block>" \
  "<requested unit='KiB'>" requested "</requested><current unit='KiB'>" current "</current>"

static void
test_domxml_vmem (void)
{
  BcDomainVmem v;

  g_assert_true (bc_domxml_parse_vmem (VMEM_XML (LAB_MEMORY, LAB_TARGET ("262144", "131072")), &v, NULL));
  g_assert_cmpuint (v.n_devices, ==, 1);
  g_assert_cmpuint (v.node, ==, 0);
  g_assert_cmpuint (v.dev.fixed_kib, ==, 262144);
  g_assert_cmpuint (v.dev.size_kib, ==, 524288);
  g_assert_cmpuint (v.dev.block_kib, ==, 2048);
  g_assert_cmpuint (v.dev.requested_kib, ==, 262144);
  g_assert_cmpuint (v.dev.plugged_kib, ==, 131072);
  /* units as libvirt writes them, and none (KiB) */
  g_assert_true (bc_domxml_parse_vmem (VMEM_XML ("<memory unit='GiB'>1</memory>",
      "<size unit='MiB'>512</size><node>1</node><block>2048</block><requested unit='bytes'>67108864</requested>"
      "<current unit='M'>64</current>"), &v, NULL));
  g_assert_cmpuint (v.dev.fixed_kib, ==, 524288);
  g_assert_cmpuint (v.dev.requested_kib, ==, 65536);
  g_assert_cmpuint (v.dev.plugged_kib, ==, 65536);
  g_assert_cmpuint (v.node, ==, 1);
  /* no virtio-mem: nothing, no error; a DIMM is not one */
  g_assert_true (bc_domxml_parse_vmem ("<domain><memory>1024</memory><devices><memory model='dimm'><target><size>512</size></target></memory></devices></domain>", &v, NULL));
  g_assert_cmpuint (v.n_devices, ==, 0);
}

static void
test_domxml_vmem_bad (void)
{
  static const struct { const char *xml, *error; } rows[] = {
    { "<domain", "not well-formed" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("-1", "0")), "requested '-1' is not a number" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("0x10", "0")), "is not a number" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET (" 2048", "0")), "is not a number" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("18446744073709551616", "0")), "is not a number" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("18446744073709551615", "0")), "is beyond" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("262144", "")), "no /domain/devices" },
    { VMEM_XML (LAB_MEMORY, "<size>524288</size><block>2048</block><requested>0</requested>"), "target/current" },
    { VMEM_XML ("", LAB_TARGET ("0", "0")), "no /domain/memory" },
    { VMEM_XML ("<memory unit='KiB'>1024</memory>", LAB_TARGET ("0", "0")), "smaller than its virtio-mem" },
    { VMEM_XML (LAB_MEMORY, "<size unit='parsecs'>1</size>"), "unit 'parsecs'" },
    { VMEM_XML (LAB_MEMORY, "<size unit='EiB'>1</size>"), "is beyond" },
    { VMEM_XML ("<memory unit='KiB'>2000000</memory>", "<size>524288</size><node>0</node><block>3000</block><requested>0</requested><current>0</current>"), "power of two" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("1000", "0")), "whole blocks" },
    { VMEM_XML (LAB_MEMORY, LAB_TARGET ("0", "1048576")), "beyond the device" },
    { VMEM_XML (LAB_MEMORY, "<size>524288</size><node>x</node><block>2048</block><requested>0</requested><current>0</current>"), "node 'x'" },
    { "<domain><memory>9000</memory><devices><memory model='virtio-mem'/><memory model='virtio-mem'/></devices></domain>", "2 virtio-mem devices" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (GError) error = NULL;
      BcDomainVmem v;

      g_test_message ("row %" G_GSIZE_FORMAT ": %s", i, rows[i].xml);
      g_assert_false (bc_domxml_parse_vmem (rows[i].xml, &v, &error));
      g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, rows[i].error));
    }
}

static void
test_domxml_vmem_update (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = bc_domxml_vmem_update (VMEM_XML (LAB_MEMORY, LAB_TARGET ("262144", "131072")), 65536, NULL);
  g_autofree char *made = bc_domxml_vmem_update (VMEM_XML (LAB_MEMORY, "<size>524288</size><node>0</node>"), 2048, NULL);

  /* the device as it is, but for its request: libvirt finds it by the rest */
  g_assert_cmpstr (xml, ==, "<memory model=\"virtio-mem\"><target><size unit=\"KiB\">524288</size><node>0</node>"
                   "<block unit=\"KiB\">2048</block><requested unit=\"KiB\">65536</requested>"
                   "<current unit=\"KiB\">131072</current></target><alias name=\"virtiomem0\"/>"
                   "<address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x05\" function=\"0x0\"/></memory>");
  g_assert_nonnull (strstr (made, "<requested unit=\"KiB\">2048</requested>"));
  g_assert_null (bc_domxml_vmem_update ("<domain><devices/></domain>", 2048, &error));
  g_assert_nonnull (strstr (error->message, "no single virtio-mem device"));
  g_clear_error (&error);
  g_assert_null (bc_domxml_vmem_update (VMEM_XML (LAB_MEMORY, "") "<x", 2048, &error));
  g_assert_nonnull (strstr (error->message, "not well-formed"));
  g_clear_error (&error);
  g_assert_null (bc_domxml_vmem_update ("<domain><devices><memory model='virtio-mem'/></devices></domain>", 2048, &error));
  g_assert_nonnull (strstr (error->message, "no <target>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metadata/good", test_metadata_good);
  g_test_add_func ("/metadata/bad", test_metadata_bad);
  g_test_add_func ("/metadata/huge", test_metadata_huge);
  g_test_add_func ("/metadata/floor", test_metadata_floor);
  g_test_add_func ("/domxml/balloon", test_domxml);
  g_test_add_func ("/domxml/vmem", test_domxml_vmem);
  g_test_add_func ("/domxml/vmem-bad", test_domxml_vmem_bad);
  g_test_add_func ("/domxml/vmem-update", test_domxml_vmem_update);
  return g_test_run ();
}
