#!/usr/bin/env python3
"""Report which parts of the IODEF v2 XML schema a set of documents exercises.

Reads the IODEF v2 XSD (RFC 7970) and the test documents, then lists what
the documents do not yet cover:

  * element classes: every element the XSD declares (global and local) and
    every foreign element it references (sci:, enum:, ds:);
  * attributes: every attribute of every element (including ext-* ones);
  * enumeration values: every value of every enumerated attribute type, and
    (strict level, the default) every value of every enumerated attribute
    on every element that carries it.

The content of extension points (EXTENSION-typed elements such as
AdditionalData, SoftwareReference, foreign elements) is not counted: an
IODEF element nested there is not an instance of the IODEF class.

Usage:
  tools/iodef-coverage.py [--xsd PATH] [--level basic|strict] [-v] [FILE...]

Without FILE arguments it reads
crates/c5hub-iodef/test-data/rfc7970/valid/*.xml. Exit status is 0 when
everything at the chosen level is covered, 1 otherwise, 2 on usage errors.
"""

import argparse
import glob
import os
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

XS = "http://www.w3.org/2001/XMLSchema"
IODEF_NS = "urn:ietf:params:xml:ns:iodef-2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_XSD = os.path.join(ROOT, "..", "shared", "standards", "iodef", "iodef-2.0.xsd")
DEFAULT_DOCS = os.path.join(ROOT, "crates", "c5hub-iodef", "test-data", "rfc7970", "valid", "*.xml")
# Types whose element content is an open extension point.
OPEN_TYPES = {"ExtensionType"}
OPEN_ELEMENTS = {"SoftwareReference"}
PREFIXES = {
    "urn:ietf:params:xml:ns:iodef-sci-1.0": "sci",
    "urn:ietf:params:xml:ns:iodef-enum-1.0": "enum",
    "http://www.w3.org/2000/09/xmldsig#": "ds",
}


def q(tag):
    return "{%s}%s" % (XS, tag)


def local(name):
    return name.split(":", 1)[1] if ":" in name else name


class Schema:
    """The parts of the XSD that coverage is measured against."""

    def __init__(self, path):
        self.nsmap = {}
        for _event, (prefix, uri) in ET.iterparse(path, events=["start-ns"]):
            self.nsmap.setdefault(prefix, uri)
        root = ET.parse(path).getroot()
        self.simple = {}  # simpleType name -> list of enum values (or None)
        self.complex = {}  # complexType name -> node
        self.globals = {}  # element name -> node
        for node in root:
            name = node.get("name")
            if node.tag == q("simpleType"):
                self.simple[name] = self._enum(node)
            elif node.tag == q("complexType"):
                self.complex[name] = node
            elif node.tag == q("element"):
                self.globals[name] = node
        # element label -> {attribute name -> (type label, enum values or None)}
        self.attributes = {}
        self.elements = set()  # labels: "Name" for IODEF, "sci:Name" for foreign
        self.open_elements = set(OPEN_ELEMENTS)
        for name, node in self.globals.items():
            self.elements.add(name)
            self._collect(name, node)

    def _enum(self, simple_type):
        restriction = simple_type.find(q("restriction"))
        if restriction is None:
            return None
        values = [e.get("value") for e in restriction.findall(q("enumeration"))]
        return values or None

    def _type_of(self, attr, owner):
        """(label, enum values) for an xs:attribute declaration."""
        ref = attr.get("ref")
        if ref:
            return ref, None
        typ = attr.get("type")
        if typ:
            name = local(typ)
            if typ.startswith("xs:"):
                return typ, None
            return name, self.simple.get(name)
        inline = attr.find(q("simpleType"))
        if inline is not None:
            return "%s@%s" % (owner, attr.get("name")), self._enum(inline)
        return "xs:anySimpleType", None

    def _collect(self, label, element):
        typ = element.get("type")
        complex_type = element.find(q("complexType"))
        if typ and not typ.startswith("xs:"):
            type_name = local(typ)
            complex_type = self.complex.get(type_name)
            if type_name in OPEN_TYPES:
                self.open_elements.add(label)
        attrs = self.attributes.setdefault(label, {})
        if complex_type is None:
            return
        for node in complex_type.iter():
            if node.tag == q("attribute"):
                name = node.get("ref") or node.get("name")
                attrs[name] = self._type_of(node, label)
            elif node.tag == q("element") and node is not element:
                ref = node.get("ref")
                if ref and ":" in ref and self.nsmap.get(ref.split(":")[0]) != IODEF_NS:
                    uri = self.nsmap[ref.split(":")[0]]
                    self.elements.add("%s:%s" % (PREFIXES.get(uri, uri), local(ref)))
                elif not ref and node.get("name"):
                    # A local element declaration (DetectionConfiguration, ...).
                    self.elements.add(node.get("name"))
                    self._collect(node.get("name"), node)


class Coverage:
    def __init__(self):
        self.elements = defaultdict(set)  # label -> files
        self.attributes = defaultdict(set)  # (element, attr) -> files
        self.values = defaultdict(set)  # (element, attr, value) -> files

    def scan(self, path, schema):
        try:
            tree = ET.parse(path)
        except ET.ParseError as err:
            sys.exit("%s: not well-formed: %s" % (path, err))
        self._walk(tree.getroot(), os.path.basename(path), schema)

    def _walk(self, node, fname, schema):
        if not node.tag.startswith("{"):
            return
        uri, name = node.tag[1:].split("}", 1)
        if uri != IODEF_NS:
            if uri in PREFIXES:
                self.elements["%s:%s" % (PREFIXES[uri], name)].add(fname)
            return  # foreign content is not IODEF
        self.elements[name].add(fname)
        for key, value in node.attrib.items():
            if key.startswith("{"):
                attr_uri, attr_name = key[1:].split("}", 1)
                if attr_uri != XML_NS:
                    continue
                key = "xml:" + attr_name
            self.attributes[(name, key)].add(fname)
            self.values[(name, key, value)].add(fname)
        if name in schema.open_elements:
            return
        for child in node:
            self._walk(child, fname, schema)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xsd", default=DEFAULT_XSD, help="IODEF v2 XSD (default: %(default)s)")
    parser.add_argument("--level", choices=["basic", "strict"], default="strict",
                        help="basic: each enum value once per attribute type; "
                             "strict: each enum value on each element (default)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show which files cover each element")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()

    files = args.files or sorted(glob.glob(DEFAULT_DOCS))
    if not files:
        parser.error("no documents found")
    schema = Schema(args.xsd)
    cov = Coverage()
    for path in files:
        cov.scan(path, schema)

    missing_elements = sorted(e for e in schema.elements if e not in cov.elements)
    # An ext-X attribute is only meaningful when X="ext-value"; where X's
    # enumeration has no "ext-value" (IndicatorExpression/@ext-operator) the
    # attribute cannot be used in a conforming document, so it is no target.
    unusable = []
    for element, attrs in schema.attributes.items():
        for attr in list(attrs):
            base = attrs.get(attr[4:]) if attr.startswith("ext-") else None
            if base and base[1] and "ext-value" not in base[1]:
                unusable.append("%s/@%s" % (element, attr))
                del attrs[attr]
    missing_attrs = []
    missing_basic = defaultdict(set)  # (attr, type) -> values
    missing_strict = defaultdict(list)  # (element, attr) -> values
    total_attrs = total_basic = total_strict = 0
    by_type = defaultdict(set)  # (attr, type) -> values seen on any element
    for element, attrs in schema.attributes.items():
        for attr, (type_label, enum) in attrs.items():
            if enum:
                for value in enum:
                    if (element, attr, value) in cov.values:
                        by_type[(attr, type_label)].add(value)
    for element, attrs in sorted(schema.attributes.items()):
        for attr, (type_label, enum) in sorted(attrs.items()):
            total_attrs += 1
            if (element, attr) not in cov.attributes:
                missing_attrs.append("%s/@%s" % (element, attr))
            if not enum:
                continue
            for value in enum:
                total_strict += 1
                if (element, attr, value) not in cov.values:
                    missing_strict[(element, attr)].append(value)
                if value not in by_type[(attr, type_label)]:
                    missing_basic[(attr, type_label)].add(value)
    seen_types = set()
    for attrs in schema.attributes.values():
        for attr, (type_label, enum) in attrs.items():
            if enum and (attr, type_label) not in seen_types:
                seen_types.add((attr, type_label))
                total_basic += len(enum)

    n_basic_missing = sum(len(v) for v in missing_basic.values())
    n_strict_missing = sum(len(v) for v in missing_strict.values())
    print("documents: %d" % len(files))
    print("element classes: %d/%d covered" % (len(schema.elements) - len(missing_elements), len(schema.elements)))
    for e in missing_elements:
        print("  missing element: %s" % e)
    print("attributes: %d/%d covered" % (total_attrs - len(missing_attrs), total_attrs))
    for a in sorted(unusable):
        print("  not counted: %s (its base enumeration has no ext-value)" % a)
    for a in missing_attrs:
        print("  missing attribute: %s" % a)
    print("enum values per attribute type (basic): %d/%d covered" % (total_basic - n_basic_missing, total_basic))
    if args.level == "basic" or n_basic_missing:
        for (attr, typ), values in sorted(missing_basic.items()):
            print("  missing values of @%s (%s): %s" % (attr, typ, " ".join(sorted(values))))
    print("enum values per element attribute (strict): %d/%d covered" % (total_strict - n_strict_missing, total_strict))
    if args.level == "strict":
        for (element, attr), values in sorted(missing_strict.items()):
            print("  missing values of %s/@%s: %s" % (element, attr, " ".join(values)))
    if args.verbose:
        for e in sorted(schema.elements):
            print("  %s: %s" % (e, " ".join(sorted(cov.elements.get(e, ())))))

    incomplete = missing_elements or missing_attrs or n_basic_missing
    if args.level == "strict":
        incomplete = incomplete or n_strict_missing
    print("coverage: %s" % ("complete" if not incomplete else "INCOMPLETE"))
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
