#!/usr/bin/env python3
"""Generate crates/c5hub-iodef/src/schema/tables.rs from the IODEF v2 schemas.

Reads the RFC 7970 XSD and the RFC 8727 JSON schema from ../shared/standards/iodef
(relative to the repository root) and writes the static class table that drives
validation and both bindings. Run it again only when the schemas change:

    python3 tools/gen-iodef-schema.py [SHARED_DIR]

Why a generator: RFC 7970 has ~120 element classes and ~40 enumerations; writing
them by hand invites drift, and the two bindings must agree on every one. What the
schemas cannot say (the RFC 8727 structural differences, the SCI and enum classes
the XSD only imports) is stated below as data, with the reason.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared")
XSD = os.path.join(SHARED, "standards", "iodef", "iodef-2.0.xsd")
JSCHEMA = os.path.join(SHARED, "standards", "iodef", "iodef-2.0.schema.json")
OUT = os.path.join(ROOT, "crates", "c5hub-iodef", "src", "schema", "tables.rs")

root = ET.parse(XSD).getroot()
top_el = {e.get("name"): e for e in root.findall(XS + "element")}
ctypes = {e.get("name"): e for e in root.findall(XS + "complexType")}
stypes = {e.get("name"): e for e in root.findall(XS + "simpleType")}
jdefs = json.load(open(JSCHEMA))
jroot = dict(jdefs)
jdefs = dict(jdefs["definitions"])
jdefs["IODEF-Document"] = jroot


def strip(n):
    return n.split(":")[-1] if n else n


def occurs(v):
    return None if v == "unbounded" else int(v)


enums = {}  # name -> values


def enum_values(st):
    r = st.find(XS + "restriction")
    if r is None:
        return None
    vals = [e.get("value") for e in r.findall(XS + "enumeration")]
    return vals or None


def value_type(xtype, owner, attr):
    """Map an XSD simple type to a ValueType expression."""
    if xtype is None:
        return "ValueType::String"
    t = strip(xtype)
    fixed = {
        "string": "String", "NMTOKEN": "String", "token": "String",
        "ID": "Id", "IDREF": "IdRef", "integer": "Integer",
        "dateTime": "DateTime", "float": "Float", "anyURI": "Url",
        "PositiveFloatType": "PositiveFloat", "PortlistType": "Portlist",
        "TimezoneType": "Timezone", "lang": "Lang",
    }
    if t in fixed:
        return "ValueType::" + fixed[t]
    if t in stypes:
        vals = enum_values(stypes[t])
        if vals is None:
            raise SystemExit(f"unhandled simple type {t}")
        enums[t] = vals
        return f"ValueType::Enum(&{enum_ident(t)})"
    raise SystemExit(f"unhandled type {xtype} on {owner}@{attr}")


def enum_ident(name):
    return "ENUM_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def variant(name):
    if name == "IODEF-Document":
        return "IodefDocument"
    parts = re.split(r"[^A-Za-z0-9]", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


class Cls:
    def __init__(self, name, ns="Iodef"):
        self.name = name
        self.ns = ns
        self.content = "Content::Elements"
        self.attrs = []  # dict(xml, json, vt, required, default, fixed)
        self.children = []  # dict(target, min, max, seq, group, ...)
        self.groups = []  # (min_present, max_kinds)
        self.unordered = False
        self.json = "JsonShape::Object { text_key: None }"


classes = {}


def attrs_of(holder, owner):
    out = []
    for a in holder.findall(XS + "attribute"):
        ref = a.get("ref")
        if ref == "xml:lang":
            out.append(dict(xml="xml:lang", json="lang", vt="ValueType::Lang",
                            required=False, default=None, fixed=None))
            continue
        name = a.get("name")
        inline = a.find(XS + "simpleType")
        if inline is not None:
            ename = f"{owner}-{name}"
            enums[ename] = enum_values(inline)
            vt = f"ValueType::Enum(&{enum_ident(ename)})"
        else:
            vt = value_type(a.get("type"), owner, name)
        out.append(dict(xml=name, json=name, vt=vt,
                        required=a.get("use") == "required",
                        default=a.get("default"), fixed=a.get("fixed")))
    return out


def flatten(node, cls, seq_counter, group=None, mult_unbounded=False):
    """Flatten a content model into children with sequence indices and choice groups."""
    for c in node:
        tag = c.tag.replace(XS, "")
        if tag == "element":
            ref = c.get("ref")
            name = ref or c.get("name")
            lo, hi = int(c.get("minOccurs", "1")), occurs(c.get("maxOccurs", "1"))
            if group is not None:
                lo = 0  # a choice member's own minimum is enforced by the group
            if mult_unbounded:
                hi = None
            if c.get("name") and not ref and name not in top_el:
                define_local(name, c)
            seq = seq_counter[0]
            if group is None:
                seq_counter[0] += 1
            cls.children.append(dict(target=name, min=lo, max=hi, seq=seq, group=group))
        elif tag == "sequence":
            unb = mult_unbounded or c.get("maxOccurs", "1") != "1"
            if unb:
                cls.unordered = True
            flatten(c, cls, seq_counter, group, unb)
        elif tag == "choice":
            gmin = int(c.get("minOccurs", "1"))
            gmax = occurs(c.get("maxOccurs", "1"))
            members = [m for m in c if m.tag == XS + "element"]
            # XSD: a choice whose alternatives may all be empty can itself be empty.
            all_optional = all(m.get("minOccurs", "1") == "0" for m in members)
            min_present = 0 if (gmin == 0 or all_optional) else 1
            max_kinds = 1 if gmax == 1 and not mult_unbounded else None
            cls.groups.append((min_present, max_kinds))
            gi = len(cls.groups) - 1
            flatten(c, cls, seq_counter, gi, mult_unbounded or gmax is None)
            seq_counter[0] += 1
        elif tag == "any":
            pass
        else:
            raise SystemExit(f"unhandled particle {tag} in {cls.name}")


def simple_class(name, xtype):
    c = Cls(name)
    vt = value_type(xtype, name, "#text")
    c.content = f"Content::Text({vt})"
    c.json = "JsonShape::Scalar"
    return c


def define_local(name, el):
    if name in classes:
        return
    classes[name] = None
    classes[name] = build(name, el)


def build(name, el):
    ct = el.find(XS + "complexType")
    typ = el.get("type")
    if ct is None and typ and strip(typ) in ctypes:
        ct = ctypes[strip(typ)]
        tname = strip(typ)
    else:
        tname = None
    if ct is None:
        return simple_class(name, typ)
    c = Cls(name)
    sc = ct.find(XS + "simpleContent")
    if sc is not None:
        ext = sc[0]
        c.content = f"Content::Text({value_type(ext.get('base'), name, '#text')})"
        c.attrs = attrs_of(ext, name)
        if tname == "MLStringType" or tname == "PAddressType":
            c.json = "JsonShape::MlString"
        else:
            c.json = 'JsonShape::Object { text_key: Some("value") }'
        return c
    if ct.get("mixed") == "true" or ct.find(XS + "sequence/" + XS + "any") is not None:
        c.content = "Content::Mixed"
        c.json = 'JsonShape::Object { text_key: Some("value") }'
    c.attrs = attrs_of(ct, name)
    for part in ct:
        if part.tag in (XS + "sequence", XS + "choice"):
            flatten([part], c, [0])
    return c


for n, e in top_el.items():
    if n not in classes:
        classes[n] = build(n, e)

# --- What the XSD only imports: RFC 7203 (SCI) and RFC 7495 (enum) classes. ---
# Their content follows those RFCs and the StructuredInfo/ReferenceName
# definitions of the RFC 8727 JSON schema.
def sci(name, children):
    c = Cls(name, "Sci")
    c.attrs = [
        dict(xml="SpecID", json="SpecID", vt="ValueType::String", required=True, default=None, fixed=None),
        dict(xml="ext-SpecID", json="ext-SpecID", vt="ValueType::String", required=False, default=None, fixed=None),
        dict(xml="ContentID", json="ContentID", vt="ValueType::String", required=False, default=None, fixed=None),
    ]
    for i, ch in enumerate(children):
        c.children.append(dict(target=ch, min=0, max=None, seq=i, group=None))
    return c


# RFC 7203 types RawData as iodef:ExtensionType; RFC 8727 writes it as a bare
# string, which JsonShape::RawData extends to an object when a string would lose
# attributes.
raw = Cls("RawData", "Sci")
raw.content = "Content::Mixed"
raw.attrs = list(classes["AdditionalData"].attrs)
raw.json = "JsonShape::RawData"
classes["sci:RawData"] = raw
for n in ["AttackPattern", "Vulnerability", "Weakness"]:
    classes["sci:" + n] = sci(n, ["sci:RawData", "iodef:Reference", "sci:Platform", "sci:Scoring"])
classes["sci:Platform"] = sci("Platform", ["sci:RawData", "iodef:Reference"])
classes["sci:Scoring"] = sci("Scoring", ["sci:RawData", "iodef:Reference"])
# RFC 7495: <enum:ReferenceName specIndex="1"><enum:ID>CVE-...</enum:ID></...>
refname = Cls("ReferenceName", "Enum")
refname.attrs = [
    dict(xml="specIndex", json="specIndex", vt="ValueType::Integer", required=True, default=None, fixed=None),
]
refname.children.append(dict(target="enum:ID", min=1, max=1, seq=0, group=None))
classes["enum:ReferenceName"] = refname
enum_id = Cls("ID", "Enum")
enum_id.content = "Content::Text(ValueType::String)"
enum_id.json = "JsonShape::Scalar"
classes["enum:ID"] = enum_id

# xmldsig elements stay foreign (kept verbatim); RFC 8727 carries them as strings.
FOREIGN = {
    "ds:DigestMethod": "ForeignJson::AlgorithmAttr",
    "ds:CanonicalizationMethod": "ForeignJson::AlgorithmAttr",
    "ds:DigestValue": "ForeignJson::Text",
    "ds:Signature": "ForeignJson::RawXml",
    "ds:X509Data": "ForeignJson::RawXml",
}

# Elements with neither children nor text.
for c in classes.values():
    if c.content == "Content::Elements" and not c.children:
        c.content = "Content::Empty"

# --- RFC 8727 text keys for simple content with attributes. ---
TEXT_KEY = {"IncidentID": "id", "IndicatorID": "id", "RegistryHandle": "handle"}
for n, k in TEXT_KEY.items():
    classes[n].json = f'JsonShape::Object {{ text_key: Some("{k}") }}'

# --- RFC 8727 structural differences from the XML binding. ---
# (parent, xml child) -> (json property, via)
UNWRAP = {
    ("Incident", "iodef:IndicatorData"): ("Indicator", "Indicator"),
    ("EventData", "iodef:Flow"): ("System", "System"),
    ("EventData", "iodef:Record"): ("RecordData", "RecordData"),
    ("Service", "iodef:ApplicationHeader"): ("ApplicationHeaderField", "ApplicationHeaderField"),
    ("EmailData", "iodef:SignatureData"): ("Signature", "ds:Signature"),
    ("File", "iodef:SignatureData"): ("Signature", "ds:Signature"),
}
RENAME = {("DomainData", "iodef:Nameservers"): "NameServers"}
IMPACTS = {"SystemImpact", "BusinessImpact", "TimeImpact", "MonetaryImpact", "IntendedImpact"}


def class_key(target):
    if target.startswith("iodef:"):
        return target[6:]
    if target in classes:
        return target
    return target


order = list(classes.keys())
index = {k: i for i, k in enumerate(order)}


def target_expr(target):
    if target in FOREIGN:
        pre, local = target.split(":")
        return f'Target::Foreign {{ ns: NS_DSIG, name: "{local}", json: {FOREIGN[target]} }}'
    key = class_key(target)
    if key not in index:
        raise SystemExit(f"unknown target {target}")
    return f"Target::Class(Class::{cls_variant(key)})"


def cls_variant(key):
    c = classes[key]
    v = variant(c.name)
    if c.ns != "Iodef":
        v = c.ns + v
    return v


def json_array(parent, prop, xml_max):
    jd = jdefs.get(parent.name) if parent.ns == "Iodef" else jdefs.get("StructuredInfo")
    if parent.name == "ReferenceName":
        return False
    if jd and "properties" in jd and prop in jd["properties"]:
        p = jd["properties"][prop]
        if p.get("type") == "array" or p.get("$ref") == "#/definitions/ExtensionTypeList":
            return True
        return False
    return xml_max is None or xml_max > 1


def emit():
    lines = []
    w = lines.append
    w("// @generated by tools/gen-iodef-schema.py from the RFC 7970 XSD and the")
    w("// RFC 8727 JSON schema (IETF Trust, Simplified BSD licence). Do not edit.")
    w("")
    w("use super::*;")
    w("")
    for name in sorted(enums):
        vals = ", ".join(f'"{v}"' for v in enums[name])
        w(f'pub(crate) static {enum_ident(name)}: EnumDef = EnumDef {{ name: "{name}", values: &[{vals}] }};')
    w("")
    w("/// Every class of the IODEF v2 information model (RFC 7970), plus the")
    w("/// RFC 7203 (SCI) and RFC 7495 (enum) classes that IODEF imports.")
    w("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]")
    w("#[allow(missing_docs)]")
    w("pub enum Class {")
    for k in order:
        w(f"    {cls_variant(k)},")
    w("}")
    w("")
    w(f"pub(crate) const CLASS_COUNT: usize = {len(order)};")
    w("")
    w("impl Class {")
    w("    /// All classes, in table order.")
    w("    pub const ALL: [Class; CLASS_COUNT] = [")
    for k in order:
        w(f"        Class::{cls_variant(k)},")
    w("    ];")
    w("")
    w("    /// Finds a class by namespace and local element name.")
    w("    pub fn lookup(ns: Ns, local: &str) -> Option<Class> {")
    w("        Some(match (ns, local) {")
    for k in order:
        c = classes[k]
        w(f'            (Ns::{c.ns}, "{c.name}") => Class::{cls_variant(k)},')
    w("            _ => return None,")
    w("        })")
    w("    }")
    w("}")
    w("")
    w("pub(crate) static CLASSES: [ClassDef; CLASS_COUNT] = [")
    for k in order:
        c = classes[k]
        w("    ClassDef {")
        w(f'        name: "{c.name}",')
        w(f"        ns: Ns::{c.ns},")
        w(f"        content: {c.content},")
        w("        attrs: &[")
        for a in c.attrs:
            d = f'Some("{a["default"]}")' if a["default"] else "None"
            f = f'Some("{a["fixed"]}")' if a["fixed"] else "None"
            w(f'            AttrDef {{ xml: "{a["xml"]}", json: "{a["json"]}", ty: {a["vt"]}, required: {str(a["required"]).lower()}, default: {d}, fixed: {f} }},')
        w("        ],")
        w("        children: &[")
        for ch in c.children:
            tgt = ch["target"]
            local = tgt.split(":")[-1]
            via = "JsonVia::Direct"
            prop = local
            key = (c.name, tgt if ":" in tgt else "iodef:" + tgt)
            if key in UNWRAP:
                prop, inner = UNWRAP[key]
                via = f"JsonVia::Unwrap({target_expr(inner if ':' in inner else 'iodef:' + inner)})"
            elif key in RENAME:
                prop = RENAME[key]
            elif c.name == "Assessment" and local in IMPACTS:
                prop, via = "Impact", "JsonVia::Impact"
            elif local == "ObservableReference":
                prop, via = "uid-ref", 'JsonVia::AttrOf("uid-ref")'
            arr = json_array(c, prop, ch["max"])
            hi = "None" if ch["max"] is None else f"Some({ch['max']})"
            grp = "None" if ch["group"] is None else f"Some({ch['group']})"
            w(f'            ChildDef {{ target: {target_expr(tgt if ":" in tgt else "iodef:" + tgt)}, min: {ch["min"]}, max: {hi}, seq: {ch["seq"]}, group: {grp}, json_name: "{prop}", json_array: {str(arr).lower()}, json_via: {via} }},')
        w("        ],")
        w("        groups: &[")
        for (mn, mk) in c.groups:
            mk = "None" if mk is None else f"Some({mk})"
            w(f"            GroupDef {{ min_present: {mn}, max_kinds: {mk} }},")
        w("        ],")
        w(f"        unordered: {str(c.unordered).lower()},")
        w(f"        json: {c.json},")
        w("    },")
    w("];")
    return "\n".join(lines) + "\n"


# Register every enum referenced so far before emitting.
text = emit()
os.makedirs(os.path.dirname(OUT), exist_ok=True)
open(OUT, "w").write(text)
print(f"wrote {OUT}: {len(order)} classes, {len(enums)} enumerations")
