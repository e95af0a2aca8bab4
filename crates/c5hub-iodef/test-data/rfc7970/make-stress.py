#!/usr/bin/env python3
"""Generate valid/stress-national-daily-report.xml, the large stress document.

The document is a national CIRT's (synthetic) daily roll-up: one Incident
per round, each using every IODEF class that carries an attribute. Round
i gives every enumerated attribute the i-th value of its enumeration
(cycling), so that over all rounds every value of every enumerated
attribute appears on every element that carries it. The enumerations are
read from the IODEF XSD through tools/iodef-coverage.py, so the document
follows the schema it is checked against.

Run from anywhere:  python3 crates/c5hub-iodef/test-data/rfc7970/make-stress.py
The output is deterministic; commit it after regenerating.
"""

import importlib.util
import os
from xml.sax.saxutils import escape, quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
OUT = os.path.join(HERE, "valid", "stress-national-daily-report.xml")

spec = importlib.util.spec_from_file_location(
    "iodef_coverage", os.path.join(REPO, "tools", "iodef-coverage.py"))
coverage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(coverage)
SCHEMA = coverage.Schema(coverage.DEFAULT_XSD)

ROUNDS = max(len(enum) for attrs in SCHEMA.attributes.values()
             for _t, enum in attrs.values() if enum)
# Rounds below FULL_ROUNDS use every class; later rounds only carry the
# classes whose enumerations are longer than FULL_ROUNDS values.
FULL_ROUNDS = 10

ADDRESS = {
    "asn": "645{i:02d}",
    "atm": "47.0005.80ffe1000000f21a1d5a.00204{i:03d}2a5c.00",
    "e-mail": "user{i}@mail.example",
    "mac": "00:00:5e:00:53:{i:02x}",
    "ipv4-addr": "192.0.2.{i}",
    "ipv4-net": "198.51.100.{i}/32",
    "ipv4-net-masked": "198.51.100.0/255.255.255.0",
    "ipv4-net-mask": "255.255.255.0",
    "ipv6-addr": "2001:db8::{i:x}",
    "ipv6-net": "2001:db8:{i:x}::/48",
    "ipv6-net-masked": "2001:db8:{i:x}::/ffff:ffff:ffff::",
    "site-uri": "https://host{i}.example.com/login",
    "ext-value": "+4477009001{i:02d}",
}
BULK = {
    "asn": "64500\n64501",
    "atm": "47.0005.80ffe1000000f21a1d5a.0020481b2a5c.00",
    "e-mail": "a@mail.example\nb@mail.example",
    "ipv4-addr": "192.0.2.1\n192.0.2.2",
    "ipv4-net": "192.0.2.0/25\n198.51.100.0/24",
    "ipv4-net-mask": "255.255.255.128",
    "ipv6-addr": "2001:db8::1\n2001:db8::2",
    "ipv6-net": "2001:db8:1::/48",
    "ipv6-net-mask": "ffff:ffff:ffff::",
    "mac": "00:00:5e:00:53:01\n00:00:5e:00:53:02",
    "site-uri": "https://a.example.com/x\nhttps://b.example.net/y",
    "domain-name": "a.example.com\nb.example.net",
    "domain-to-ipv4": "a.example.com,192.0.2.1",
    "domain-to-ipv6": "a.example.com,2001:db8::1",
    "domain-to-ipv4-timestamp": "a.example.com,192.0.2.1,2024-05-18T00:00:00Z",
    "domain-to-ipv6-timestamp": "a.example.com,2001:db8::1,2024-05-18T00:00:00Z",
    "ipv4-port": "192.0.2.1:443\n192.0.2.2:8080",
    "ipv6-port": "[2001:db8::1]:443",
    "windows-reg-key": "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\upd",
    "file-hash": "b3909efe9f51db97000861d8841d60912115c5a2941ddad1193764d54dedf388",
    "email-x-mailer": "PHPMailer 6.1.4",
    "email-subject": "Invoice overdue\nParcel waiting",
    "http-user-agent": "Mozilla/4.0 (compatible; LF/2.3)",
    "http-request-uri": "/gate.php?id=1\n/panel/upload.php",
    "mutex": "Global\\LF23_mtx",
    "file-path": "C:\\Users\\Public\\Libraries\\qbx.dll",
    "user-name": "svc_backup\nadministrator",
    "ext-value": "771,4865-4866-4867,0-23-65281,29-23-24,0",
}
DTYPE = {
    "boolean": "true", "byte": "4f", "bytes": "SGVsbG8sIENJUlQh",
    "character": "x", "date-time": "2024-05-18T12:00:00Z", "integer": "42",
    "ntpstamp": "0xE9F5A2C0.00000000", "portlist": "22,80,443-445",
    "real": "3.25", "string": "free text", "file": "UEsDBBQAAAAIAA==",
    "path": "/var/log/nginx/access.log", "frame": "ffffffffffff00005e005301",
    "packet": "45000028", "ipv4-packet": "4500002800010000", "ipv6-packet": "6000000000",
    "url": "https://cert.example/x", "csv": "a,b\n1,2",
    "winreg": "HKLM\\SOFTWARE\\Example", "json": '{"k": 1}', "ext-value": "opaque",
}
LANGS = ["en", "fr", "de", "es", "it", "nl", "pl", "ja", "ar", "pt-BR"]
SHA256_B64 = "s5Ce/p9R25cACGHYhB1gkSEVxaKUHdrRGTdk1U3t84g="


class Round:
    def __init__(self, i):
        self.i = i
        self.n = 0

    def value(self, element, attr):
        enum = SCHEMA.attributes[element][attr][1]
        return enum[self.i % len(enum)]

    def a(self, element, *names, **fixed):
        """Attributes: enumerated ones from the round, with ext-* companions."""
        out = []
        for name in names:
            value = self.value(element, name)
            out.append(" %s=%s" % (name, quoteattr(value)))
            if value == "ext-value":
                out.append(" ext-%s=%s" % (name, quoteattr("x-%s-%d" % (name, self.i))))
        for name, value in fixed.items():
            out.append(" %s=%s" % (name.replace("_", "-"), quoteattr(str(value))))
        return "".join(out)

    def oid(self, stem):
        self.n += 1
        return ' observable-id="%s-%d-%d"' % (stem, self.i, self.n)

    def ml(self, tag, text):
        lang = LANGS[self.i % len(LANGS)]
        return '<%s xml:lang="%s" translation-id="t%d-%d">%s</%s>' % (
            tag, lang, self.i, self.n, escape(text), tag)

    def ext(self, tag, name):
        dtype = self.value(tag, "dtype")
        attrs = self.a(tag, "dtype", "restriction", name=name, meaning="stress value",
                       formatid="c5hub-stress") + self.oid(tag.lower())
        if dtype == "xml":
            body = '<s:value xmlns:s="urn:example:c5hub:stress">%d</s:value>' % self.i
        else:
            body = escape(DTYPE[dtype])
        return "<%s%s>%s</%s>" % (tag, attrs, body, tag)

    def software(self, tag):
        dtype = self.value("SoftwareReference", "dtype")
        body = ('<swid xmlns="urn:example:c5hub:stress" tag="tool-%d"/>' % self.i
                if dtype == "xml" else "")
        return ("<%s><SoftwareReference%s>%s</SoftwareReference>"
                "<URL>https://tools.example/%d</URL>%s</%s>") % (
            tag, self.a("SoftwareReference", "spec-name", "dtype"), body, self.i,
            self.ml("Description", "analysis tool"), tag)

    def contact(self, depth=0):
        inner = "" if depth else self.contact(depth + 1)
        lang = self.ml
        return "".join([
            "<Contact%s>" % self.a("Contact", "role", "type", "restriction"),
            lang("ContactName", "Duty officer %d" % self.i),
            lang("ContactTitle", "Incident handler"),
            lang("Description", "contact %d" % depth),
            "<RegistryHandle%s>HANDLE-%d</RegistryHandle>" % (self.a("RegistryHandle", "registry"), self.i),
            "<PostalAddress%s>%s%s</PostalAddress>" % (
                self.a("PostalAddress", "type"), lang("PAddress", "%d Example Street, Exampleville" % self.i),
                lang("Description", "office")),
            "<Email%s><EmailTo>duty%d@cert.example</EmailTo>%s</Email>" % (
                self.a("Email", "type"), self.i, lang("Description", "mailbox")),
            "<Telephone%s><TelephoneNumber>+44 20 7946 %04d</TelephoneNumber>%s</Telephone>" % (
                self.a("Telephone", "type"), self.i, lang("Description", "phone")),
            "<Timezone>%s</Timezone>" % ("Z" if self.i % 2 else "+%02d:%02d" % (self.i % 15, (self.i * 15) % 60)),
            inner,
            self.ext("AdditionalData", "contact-note"),
            "</Contact>",
        ])

    def hash(self):
        return ('<Hash><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                "<ds:DigestValue>%s</ds:DigestValue>"
                '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
                "%s</Hash>") % (SHA256_B64, self.software("Application"))

    def hashdata(self):
        return ("<HashData%s><HashTargetID>.text</HashTargetID>%s"
                "<FuzzyHash>%s%s%s</FuzzyHash></HashData>") % (
            self.a("HashData", "scope"), self.hash(), self.ext("FuzzyHashValue", "ssdeep"),
            self.software("Application"), self.ext("AdditionalData", "fuzzy-note"))

    def address(self, tag="Address"):
        category = self.value("Address", "category")
        return "<%s%s%s>%s</%s>" % (
            tag, self.a("Address", "category", vlan_name="vlan%d" % self.i, vlan_num=100 + self.i),
            self.oid("addr"), escape(ADDRESS[category].format(i=self.i)), tag)

    def domain(self):
        i = self.i
        contacts = ("<SameDomainContact>example.com</SameDomainContact>" if i % 2
                    else self.contact(1))
        return "".join([
            "<DomainData%s%s>" % (self.a("DomainData", "system-status", "domain-status"), self.oid("dom")),
            "<Name>host%d.example.com</Name>" % i,
            "<DateDomainWasChecked>2024-05-18T10:00:00Z</DateDomainWasChecked>",
            "<RegistrationDate>2023-05-18T00:00:00Z</RegistrationDate>",
            "<ExpirationDate>2025-05-18T00:00:00Z</ExpirationDate>",
            self.ext("RelatedDNS", "A"),
            "<Nameservers><Server>ns1.example.net</Server>%s</Nameservers>" % self.address(),
            "<DomainContacts>%s</DomainContacts>" % contacts,
            "</DomainData>",
        ])

    def counter(self):
        return "<Counter%s>%d</Counter>" % (
            self.a("Counter", "type", "unit", "duration", meaning="stress counter"), self.i + 1)

    def system(self):
        ml = self.ml
        return "".join([
            "<System%s%s>" % (self.a("System", "category", "spoofed", "virtual", "ownership",
                                     "restriction", interface="eth%d" % (self.i % 4)), self.oid("sys")),
            "<Node>", self.domain(), self.address(),
            "<PostalAddress%s>%s</PostalAddress>" % (self.a("PostalAddress", "type"), ml("PAddress", "Data centre %d" % self.i)),
            ml("Location", "Rack %d" % self.i), self.counter(), "</Node>",
            "<NodeRole%s>%s</NodeRole>" % (self.a("NodeRole", "category"), ml("Description", "role")),
            "<Service%s%s>" % (self.a("Service", ip_protocol=6), self.oid("svc")),
            "<ServiceName><IANAService>https</IANAService><URL>https://host%d.example.com/</URL>%s</ServiceName>" % (
                self.i, ml("Description", "web")),
            "<Port>443</Port><Portlist>80,443,8000-8100</Portlist>",
            "<ProtoCode>0</ProtoCode><ProtoType>8</ProtoType><ProtoField>18</ProtoField>",
            "<ApplicationHeader>%s</ApplicationHeader>" % self.ext("ApplicationHeaderField", "Host"),
            self.emaildata(), self.software("Application"), "</Service>",
            self.software("OperatingSystem"), self.counter(),
            "<AssetID>ASSET-%04d</AssetID>" % self.i, ml("Description", "system"),
            self.ext("AdditionalData", "system-note"), "</System>",
        ])

    def emaildata(self):
        i = self.i
        return "".join([
            "<EmailData%s>" % self.oid("mail"),
            "<EmailTo>victim%d@mail.example</EmailTo><EmailFrom>sender%d@example.org</EmailFrom>" % (i, i),
            "<EmailSubject>Report %d</EmailSubject><EmailX-Mailer>Mailer %d</EmailX-Mailer>" % (i, i),
            self.ext("EmailHeaderField", "Received"),
            "<EmailHeaders>Subject: Report %d</EmailHeaders><EmailBody>Body %d</EmailBody>" % (i, i),
            "<EmailMessage>Subject: Report %d\n\nBody %d</EmailMessage>" % (i, i),
            self.hashdata(),
            "<SignatureData><ds:Signature><ds:SignatureValue>c3RyZXNz</ds:SignatureValue></ds:Signature></SignatureData>",
            "</EmailData>",
        ])

    def expectation(self):
        return ("<Expectation%s%s>%s<DefinedCOA>COA-%d</DefinedCOA>"
                "<StartTime>2024-05-18T12:00:00Z</StartTime><EndTime>2024-05-19T12:00:00Z</EndTime>%s</Expectation>") % (
            self.a("Expectation", "action", "severity", "restriction"), self.oid("exp"),
            self.ml("Description", "expected action"), self.i, self.contact(1))

    def recorddata(self):
        i = self.i
        return "".join([
            "<RecordData%s%s>" % (self.a("RecordData", "restriction"), self.oid("rec")),
            "<DateTime>2024-05-18T10:%02d:00Z</DateTime>" % (i % 60), self.ml("Description", "log"),
            self.software("Application"),
            "<RecordPattern%s>^192\\.0\\.2\\.%d </RecordPattern>" % (
                self.a("RecordPattern", "type", "offsetunit", offset=i, instance=1), i),
            self.ext("RecordItem", "log-line"),
            "<URL>https://logs.example/%d</URL>" % i,
            "<FileData%s%s><File%s>" % (self.a("FileData", "restriction"), self.oid("fd"), self.oid("file")),
            "<FileName>sample%d.bin</FileName><FileSize>%d</FileSize><FileType>application/octet-stream</FileType>" % (i, 1024 + i),
            "<URL>https://files.example/sample%d.bin</URL>" % i, self.hashdata(),
            "<SignatureData><ds:Signature><ds:SignatureValue>c3RyZXNz</ds:SignatureValue></ds:Signature></SignatureData>",
            self.software("AssociatedSoftware"), self.ext("FileProperties", "entropy"),
            "</File></FileData>",
            "<WindowsRegistryKeysModified%s><Key%s%s><KeyName>HKCU\\Software\\Stress\\%d</KeyName><KeyValue>%d</KeyValue></Key></WindowsRegistryKeysModified>" % (
                self.oid("wrk"), self.a("Key", "registryaction"), self.oid("key"), i, i),
            "<CertificateData%s%s><Certificate%s><ds:X509Data><ds:X509SubjectName>CN=host%d.example.com</ds:X509SubjectName></ds:X509Data>%s</Certificate></CertificateData>" % (
                self.a("CertificateData", "restriction"), self.oid("cd"), self.oid("cert"), i, self.ml("Description", "certificate")),
            self.ext("AdditionalData", "record-note"),
            "</RecordData>",
        ])

    def assessment(self):
        ml = self.ml
        return "".join([
            "<Assessment%s%s>" % (self.a("Assessment", "occurrence", "restriction"), self.oid("asmt")),
            ml("IncidentCategory", "malicious-code:infected-system"),
            "<SystemImpact%s>%s</SystemImpact>" % (self.a("SystemImpact", "severity", "completion", "type"), ml("Description", "system impact")),
            "<BusinessImpact%s>%s</BusinessImpact>" % (self.a("BusinessImpact", "severity", "type"), ml("Description", "business impact")),
            "<TimeImpact%s>%s</TimeImpact>" % (self.a("TimeImpact", "severity", "metric", "duration"), 1.5 + self.i),
            "<MonetaryImpact%s>%d</MonetaryImpact>" % (self.a("MonetaryImpact", "severity", currency="EUR"), 1000 * (self.i + 1)),
            "<IntendedImpact%s/>" % self.a("IntendedImpact", "severity", "type"),
            self.counter(), ml("MitigatingFactor", "segmentation"), ml("Cause", "weak password"),
            "<Confidence%s>0.%d</Confidence>" % (self.a("Confidence", "rating"), self.i % 10),
            self.ext("AdditionalData", "assessment-note"), "</Assessment>",
        ])

    def indicators(self):
        i = self.i
        bulk_type = self.value("BulkObservable", "type")
        fmt = (self.hash() if i % 2 else self.ext("AdditionalData", "format"))
        op = self.value("IndicatorExpression", "operator")
        # NOT takes a single operand; the other operators combine several.
        operands = ['<Observable%s>%s</Observable>' % (self.a("Observable", "restriction"), self.address())]
        if op != "not":
            operands += ['<ObservableReference uid-ref="ref-%d"/>' % i,
                         '<IndicatorReference uid-ref="stress-ind-%d" version="1"/>' % i,
                         '<IndicatorReference euid-ref="peer.example:ioc-%d" version="2"/>' % i,
                         '<IndicatorExpression operator="and"><ObservableReference uid-ref="ref-%d"/>'
                         '<IndicatorReference uid-ref="stress-ind-%d"/></IndicatorExpression>' % (i, i)]
        return "".join([
            "<IndicatorData>",
            "<Indicator%s>" % self.a("Indicator", "restriction"),
            '<IndicatorID name="cert.example" version="1">stress-ind-%d</IndicatorID>' % i,
            '<AlternativeIndicatorID%s><IndicatorID name="peer.example" version="2">peer-ind-alt-%d</IndicatorID></AlternativeIndicatorID>' % (
                self.a("AlternativeIndicatorID", "restriction"), i),
            self.ml("Description", "bulk indicator"),
            "<StartTime>2024-05-18T00:00:00Z</StartTime><EndTime>2024-06-18T00:00:00Z</EndTime>",
            "<Confidence%s>0.5</Confidence>" % self.a("Confidence", "rating"), self.contact(1),
            "<Observable%s><BulkObservable%s><BulkObservableFormat>%s</BulkObservableFormat>"
            "<BulkObservableList>%s</BulkObservableList>%s</BulkObservable></Observable>" % (
                self.a("Observable", "restriction"), self.a("BulkObservable", "type"), fmt,
                escape(BULK[bulk_type]), self.ext("AdditionalData", "bulk-note")),
            "<NodeRole%s/>" % self.a("NodeRole", "category"),
            "<AttackPhase><AttackPhaseID>delivery</AttackPhaseID><URL>https://attack.example/%d</URL>%s%s</AttackPhase>" % (
                i, self.ml("Description", "phase"), self.ext("AdditionalData", "phase-note")),
            '<Reference%s><URL>https://cert.example/ioc/%d</URL></Reference>' % (self.oid("iref"), i),
            self.ext("AdditionalData", "indicator-note"), "</Indicator>",
            "<Indicator>",
            '<IndicatorID name="cert.example" version="1">stress-expr-%d</IndicatorID>' % i,
            "<IndicatorExpression%s>%s<Confidence%s>0.6</Confidence>%s</IndicatorExpression>" % (
                self.a("IndicatorExpression", "operator"), "".join(operands),
                self.a("Confidence", "rating"), self.ext("AdditionalData", "expr-note")),
            "</Indicator>",
            "</IndicatorData>",
        ])

    def incident(self):
        i = self.i
        ml = self.ml
        return "".join([
            "<Incident%s xml:lang=\"en\"%s>" % (self.a("Incident", "purpose", "status", "restriction"), self.oid("inc")),
            '<IncidentID name="cert.example" instance="stress"%s>CERT-EX-STRESS-%04d</IncidentID>' % (
                self.a("IncidentID", "restriction"), i),
            '<AlternativeID%s><IncidentID name="peer.example">PEER-%04d</IncidentID></AlternativeID>' % (
                self.a("AlternativeID", "restriction"), i),
            "<RelatedActivity%s>" % self.a("RelatedActivity", "restriction"),
            '<IncidentID name="cert.example">CERT-EX-STRESS-%04d</IncidentID>' % ((i + ROUNDS - 1) % ROUNDS),
            "<URL>https://cert.example/reports/%d</URL>" % i,
            "<ThreatActor%s><ThreatActorID>TA-%d</ThreatActorID><URL>https://cert.example/actors/%d</URL>%s%s</ThreatActor>" % (
                self.a("ThreatActor", "restriction"), i, i, ml("Description", "actor"), self.ext("AdditionalData", "actor-note")),
            "<Campaign%s><CampaignID>CMP-%d</CampaignID><URL>https://cert.example/campaigns/%d</URL>%s%s</Campaign>" % (
                self.a("Campaign", "restriction"), i, i, ml("Description", "campaign"), self.ext("AdditionalData", "campaign-note")),
            '<IndicatorID name="peer.example" version="1">peer-related-%d</IndicatorID>' % i,
            "<Confidence%s>0.4</Confidence>" % self.a("Confidence", "rating"),
            ml("Description", "related activity"), self.ext("AdditionalData", "related-note"),
            "</RelatedActivity>",
            "<DetectTime>2024-05-18T01:00:00Z</DetectTime><StartTime>2024-05-18T00:30:00Z</StartTime>",
            "<EndTime>2024-05-18T03:00:00Z</EndTime><RecoveryTime>2024-05-18T05:00:00Z</RecoveryTime>",
            "<ReportTime>2024-05-18T06:00:00Z</ReportTime><GenerationTime>2024-05-19T00:00:00Z</GenerationTime>",
            ml("Description", "Synthetic incident %d of the daily roll-up" % i),
            "<Discovery%s>%s%s<DetectionPattern%s%s>%s%s</DetectionPattern></Discovery>" % (
                self.a("Discovery", "source", "restriction"), ml("Description", "discovery"), self.contact(1),
                self.a("DetectionPattern", "restriction"), self.oid("dp"), self.software("Application"),
                ml("Description", "pattern")),
            self.assessment(),
            "<Method%s>" % self.a("Method", "restriction"),
            '<Reference%s><enum:ReferenceName specIndex="1"><enum:ID>CAPEC-%d</enum:ID></enum:ReferenceName>'
            "<URL>https://capec.mitre.org/data/definitions/%d.html</URL>%s</Reference>" % (
                self.oid("ref"), 100 + i, 100 + i, ml("Description", "attack pattern")),
            ml("Description", "method"),
            '<sci:AttackPattern SpecID="urn:ietf:params:xml:ns:mile:capec:3.9" ContentID="CAPEC-%d"/>' % (100 + i),
            '<sci:Vulnerability SpecID="urn:ietf:params:xml:ns:mile:cve:1.0" ContentID="CVE-2024-%05d"/>' % (1000 + i),
            '<sci:Weakness SpecID="urn:ietf:params:xml:ns:mile:cwe:4.14" ContentID="CWE-%d"/>' % (20 + i),
            self.ext("AdditionalData", "method-note"), "</Method>",
            self.contact(),
            "<EventData%s%s>" % (self.a("EventData", "restriction"), self.oid("ev")),
            ml("Description", "event"),
            "<DetectTime>2024-05-18T01:00:00Z</DetectTime><StartTime>2024-05-18T00:30:00Z</StartTime>",
            "<EndTime>2024-05-18T03:00:00Z</EndTime><RecoveryTime>2024-05-18T05:00:00Z</RecoveryTime>",
            "<ReportTime>2024-05-18T06:00:00Z</ReportTime>",
            "<Flow>%s</Flow>" % self.system(),
            self.expectation(),
            "<Record%s>%s</Record>" % (self.a("Record", "restriction"), self.recorddata()),
            '<EventData><Flow><System><Node><Address category="ipv4-addr" observable-id="ref-%d">192.0.2.%d</Address></Node></System></Flow></EventData>' % (i, i),
            self.ext("AdditionalData", "event-note"),
            "</EventData>",
            self.indicators(),
            "<History%s><HistoryItem%s%s><DateTime>2024-05-19T00:00:00Z</DateTime>"
            '<IncidentID name="peer.example">PEER-%04d</IncidentID>%s%s<DefinedCOA>COA-%d</DefinedCOA>%s</HistoryItem></History>' % (
                self.a("History", "restriction"), self.a("HistoryItem", "action", "restriction"), self.oid("hist"),
                i, self.contact(1), ml("Description", "history"), i, self.ext("AdditionalData", "history-note")),
            self.ext("AdditionalData", "incident-note"),
            "</Incident>\n",
        ])


    def light_incident(self):
        """A smaller incident: only classes with enumerations longer than FULL_ROUNDS."""
        i = self.i
        bulk_type = self.value("BulkObservable", "type")
        return "".join([
            "<Incident%s>" % self.a("Incident", "purpose", "status", "restriction"),
            '<IncidentID name="cert.example" instance="stress">CERT-EX-STRESS-%04d</IncidentID>' % i,
            "<GenerationTime>2024-05-19T00:00:00Z</GenerationTime>",
            "<Discovery%s/>" % self.a("Discovery", "source"),
            "<Assessment>",
            "<SystemImpact%s/>" % self.a("SystemImpact", "severity", "completion", "type"),
            "<BusinessImpact%s/>" % self.a("BusinessImpact", "severity", "type"),
            "<IntendedImpact%s/>" % self.a("IntendedImpact", "severity", "type"),
            self.counter(), "</Assessment>",
            "<Contact%s><ContactName>Duty officer %d</ContactName></Contact>" % (
                self.a("Contact", "role", "type"), i),
            "<EventData><Flow><System>",
            "<Node><DomainData%s><Name>host%d.example.com</Name>%s</DomainData>%s</Node>" % (
                self.a("DomainData", "system-status", "domain-status"), i,
                self.ext("RelatedDNS", "A"), self.address()),
            "<NodeRole%s/>" % self.a("NodeRole", "category"),
            "<Service><ApplicationHeader>%s</ApplicationHeader><EmailData>%s</EmailData></Service>" % (
                self.ext("ApplicationHeaderField", "Host"), self.ext("EmailHeaderField", "Received")),
            "</System></Flow>",
            "<Expectation%s/>" % self.a("Expectation", "action"),
            "<Record><RecordData>%s<FileData><File><HashData%s><FuzzyHash>%s</FuzzyHash></HashData>%s</File></FileData></RecordData></Record>" % (
                self.ext("RecordItem", "log-line"), self.a("HashData", "scope"),
                self.ext("FuzzyHashValue", "ssdeep"), self.ext("FileProperties", "entropy")),
            "</EventData>",
            "<IndicatorData><Indicator>",
            '<IndicatorID name="cert.example" version="1">stress-ind-%d</IndicatorID>' % i,
            "<Observable><BulkObservable%s><BulkObservableList>%s</BulkObservableList></BulkObservable></Observable>" % (
                self.a("BulkObservable", "type"), escape(BULK[bulk_type])),
            "</Indicator></IndicatorData>",
            '<History><HistoryItem%s><DateTime>2024-05-19T00:00:00Z</DateTime></HistoryItem></History>' % (
                self.a("HistoryItem", "action")),
            self.ext("AdditionalData", "incident-note"),
            "</Incident>\n",
        ])


def main():
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        "<!-- Generated by make-stress.py: synthetic stress document, %d incidents.\n"
        "     Every enumerated attribute takes every one of its values on every\n"
        "     element that carries it. Do not edit by hand. -->\n" % ROUNDS,
        '<IODEF-Document version="2.00" xml:lang="en" format-id="c5hub-stress"'
        ' private-enum-name="cert.example" private-enum-id="stress-1"\n'
        '    xmlns="urn:ietf:params:xml:ns:iodef-2.0"\n'
        '    xmlns:ds="http://www.w3.org/2000/09/xmldsig#"\n'
        '    xmlns:enum="urn:ietf:params:xml:ns:iodef-enum-1.0"\n'
        '    xmlns:sci="urn:ietf:params:xml:ns:iodef-sci-1.0">\n',
    ]
    for i in range(ROUNDS):
        r = Round(i)
        parts.append(r.incident() if i < FULL_ROUNDS else r.light_incident())
    parts.append('<AdditionalData name="rounds" dtype="integer">%d</AdditionalData>\n' % ROUNDS)
    parts.append("</IODEF-Document>\n")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("".join(parts))
    print("wrote %s (%d bytes, %d incidents)" % (os.path.relpath(OUT, REPO), os.path.getsize(OUT), ROUNDS))


if __name__ == "__main__":
    main()
