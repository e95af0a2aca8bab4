//! The RSIT table itself: the categories (`predicates`) and types (`values`)
//! of `machinetag.json`, version 1003, from the ENISA / CSIRTs Network
//! Reference Security Incident Taxonomy Working Group (CC0 1.0; see
//! `RSIT-LICENSE` at the crate root).
//!
//! Written by a throwaway script that printed the JSON file's strings
//! verbatim (descriptions included, in file order). When the taxonomy gets a
//! new version, regenerate it the same way and update the counts in the
//! tests of the parent module.

use super::{RsitCategory, RsitType};

/// The taxonomy version, as in the machine tag file (`version`).
pub const RSIT_VERSION: u32 = 1003;

/// The machine tag namespace (`namespace`).
pub const RSIT_NAMESPACE: &str = "rsit";

/// Every RSIT category with its types, in the order of the source file.
pub static CATEGORIES: &[RsitCategory] = &[
    RsitCategory {
        value: "abusive-content",
        expanded: "Abusive Content",
        description: "Abusive Content.",
        types: &[
            RsitType {
                value: "spam",
                expanded: "Spam",
                description: "Or 'Unsolicited Bulk Email', this means that the recipient has not granted verifiable permission for the message to be sent and that the message is sent as part of a larger collection of messages, all having a functionally comparable content. This IOC refers to resources which make up spam infrastructure, for example, harvesters like address verification, URLs in spam emails, etc.",
            },
            RsitType {
                value: "harmful-speech",
                expanded: "Harmful Speech",
                description: "Bullying, harassment or discrimination of somebody, e.g., cyber stalking, racism or threats against one or more individuals.",
            },
            RsitType {
                value: "violence",
                expanded: "(Child) Sexual Exploitation/Sexual/Violent Content",
                description: "Child Sexual Exploitation (CSE), sexual content, glorification of violence, etc.",
            },
        ],
    },
    RsitCategory {
        value: "malicious-code",
        expanded: "Malicious Code",
        description: "Software that is intentionally included or inserted in a system for a harmful purpose. A user interaction is normally necessary to activate the code.",
        types: &[
            RsitType {
                value: "infected-system",
                expanded: "Infected System",
                description: "System infected with malware, e.g., a PC, smartphone or server infected with a rootkit. Most often this refers to a connection to a sinkholed command and control server.",
            },
            RsitType {
                value: "c2-server",
                expanded: "C2 Server",
                description: "Command and control server contacted by malware on infected systems.",
            },
            RsitType {
                value: "malware-distribution",
                expanded: "Malware Distribution",
                description: "URI used for malware distribution, e.g., a download URL included in fake invoice malware spam or exploit kits (on websites).",
            },
            RsitType {
                value: "malware-configuration",
                expanded: "Malware Configuration",
                description: "URI hosting a malware configuration file, e.g., web injects for a banking trojan.",
            },
        ],
    },
    RsitCategory {
        value: "information-gathering",
        expanded: "Information Gathering",
        description: "Information Gathering.",
        types: &[
            RsitType {
                value: "scanner",
                expanded: "Scanning",
                description: "Attacks that send requests to a system to discover weaknesses. This also includes testing processes to gather information on hosts, services and accounts. This includes fingerd, DNS querying, ICMP, SMTP (EXPN, RCPT, etc) port scanning.",
            },
            RsitType {
                value: "sniffing",
                expanded: "Sniffing",
                description: "Observing and recording of network traffic (i.e. wiretapping).",
            },
            RsitType {
                value: "social-engineering",
                expanded: "Social Engineering",
                description: "Gathering information from a human being in a non-technical way (e.g., using lies, tricks, bribes, or threats).",
            },
        ],
    },
    RsitCategory {
        value: "intrusion-attempts",
        expanded: "Intrusion Attempts",
        description: "Intrusion Attempts.",
        types: &[
            RsitType {
                value: "ids-alert",
                expanded: "Exploitation of Known Vulnerabilities",
                description: "An attempt to compromise a system or to disrupt any service by exploiting vulnerabilities with a standardised identifier such as CVE name (e.g., using a buffer overflow, backdoor, cross site scripting)",
            },
            RsitType {
                value: "brute-force",
                expanded: "Login Attempts",
                description: "Multiple brute-force login attempts (including guessing or cracking of passwords). This IOC refers to a resource, which has been observed to perform brute-force attacks over a given application protocol.",
            },
            RsitType {
                value: "exploit",
                expanded: "New Attack Signature",
                description: "An attack using an unknown exploit.",
            },
        ],
    },
    RsitCategory {
        value: "intrusions",
        expanded: "Intrusions",
        description: "A successful compromise of a system or application (service). This can have been caused remotely by a known or new vulnerability, but also by an unauthorised local access. Also includes being part of a botnet.",
        types: &[
            RsitType {
                value: "privileged-account-compromise",
                expanded: "Privileged Account Compromise",
                description: "Compromise of a system where the attacker has gained administrative privileges.",
            },
            RsitType {
                value: "unprivileged-account-compromise",
                expanded: "Unprivileged Account Compromise",
                description: "Compromise of a system using an unprivileged (user/service) account.",
            },
            RsitType {
                value: "application-compromise",
                expanded: "Application Compromise",
                description: "Compromise of an application by exploiting (un)known software vulnerabilities, e.g., SQL injection.",
            },
            RsitType {
                value: "system-compromise",
                expanded: "System Compromise",
                description: "Compromise of a system, e.g., unauthorised logins or commands. This includes attempts to compromise honeypot systems.",
            },
            RsitType {
                value: "burglary",
                expanded: "Burglary",
                description: "Physical intrusion, e.g., into a corporate building or data centre.",
            },
        ],
    },
    RsitCategory {
        value: "availability",
        expanded: "Availability",
        description: "By this kind of an attack a system is bombarded with so many packets that the operations are delayed or the system crashes. DoS examples are ICMP and SYN floods, Teardrop attacks and mail-bombing. DDoS often is based on DoS attacks originating from botnets, but also other scenarios exist like DNS Amplification attacks. However, the availability also can be affected by local actions (destruction, disruption of power supply, etc.) – or by Act of God, spontaneous failures or human error, without malice or gross neglect being involved.",
        types: &[
            RsitType {
                value: "dos",
                expanded: "Denial of Service",
                description: "Denial of Service attack, e.g., sending specially crafted requests to a web application which causes the application to crash or slow down.",
            },
            RsitType {
                value: "ddos",
                expanded: "Distributed Denial of Service",
                description: "Distributed Denial of Service attack, e.g., SYN flood or UDP-based reflection/amplification attacks.",
            },
            RsitType {
                value: "misconfiguration",
                expanded: "Misconfiguration",
                description: "Software misconfiguration resulting in service availability issues, e.g., DNS server with outdated DNSSEC Root Zone KSK.",
            },
            RsitType {
                value: "sabotage",
                expanded: "Sabotage",
                description: "Intentional actions maliciously threatening to, attempting to or actually damaging a system or component with the aim of disrupting the availability of a service. These can happen both at logical and physical levels, from malicious firewall rules dropping all traffic, to wire-cutting, bomb threats or arson.",
            },
            RsitType {
                value: "outage",
                expanded: "Outage",
                description: "An outage caused, for example, by air conditioning failure or natural disaster.",
            },
        ],
    },
    RsitCategory {
        value: "information-content-security",
        expanded: "Information Content Security",
        description: "Besides a local abuse of data and systems the information security can be endangered by a successful account or application compromise. Furthermore attacks are possible that intercept and access information during transmission (wiretapping, spoofing or hijacking). Human/configuration/software error can also be the cause.",
        types: &[
            RsitType {
                value: "unauthorised-information-access",
                expanded: "Unauthorised Access to Information",
                description: "Unauthorised access to information, e.g., by abusing stolen login credentials for a system or application, intercepting traffic or gaining access to physical documents.",
            },
            RsitType {
                value: "unauthorised-information-modification",
                expanded: "Unauthorised Modification of Information",
                description: "Unauthorised modification of information, e.g., by an attacker abusing stolen login credentials for a system or application, or ransomware encrypting data. Also includes defacements.",
            },
            RsitType {
                value: "data-loss",
                expanded: "Data Loss",
                description: "Loss of data caused by, for example, hard disk failure or physical theft.",
            },
            RsitType {
                value: "data-leak",
                expanded: "Leak of Confidential Information",
                description: "Leaked confidential information, e.g., credentials or personal data.",
            },
        ],
    },
    RsitCategory {
        value: "fraud",
        expanded: "Fraud",
        description: "Fraud.",
        types: &[
            RsitType {
                value: "unauthorised-use-of-resources",
                expanded: "Unauthorised Use of Resources",
                description: "Using resources for unauthorised purposes including profit-making ventures, e.g., the use of email to participate in illegal profit chain letters or pyramid schemes.",
            },
            RsitType {
                value: "copyright",
                expanded: "Copyright",
                description: "Offering or installing copies of unlicensed commercial software or other copyright protected materials (also known as Warez).",
            },
            RsitType {
                value: "masquerade",
                expanded: "Masquerade",
                description: "Type of attack in which one entity illegitimately impersonates the identity of another in order to benefit from it.",
            },
            RsitType {
                value: "phishing",
                expanded: "Phishing",
                description: "Masquerading as another entity in order to persuade the user to reveal private credentials. This IOC most often refers to a URL, which is used to phish user credentials.",
            },
        ],
    },
    RsitCategory {
        value: "vulnerable",
        expanded: "Vulnerable",
        description: "Open resolvers, world-readable printers, vulnerabilities apparent from scans, anti-virus signatures not up-to-date, etc.",
        types: &[
            RsitType {
                value: "weak-crypto",
                expanded: "Weak Cryptography",
                description: "Publicly accessible services offering weak cryptography, e.g., web servers susceptible to POODLE/FREAK attacks.",
            },
            RsitType {
                value: "ddos-amplifier",
                expanded: "DDoS Amplifier",
                description: "Publicly accessible services that can be abused for conducting DDoS reflection/amplification attacks, e.g., DNS open-resolvers or NTP servers with monlist enabled.",
            },
            RsitType {
                value: "potentially-unwanted-accessible",
                expanded: "Potentially Unwanted Accessible Services",
                description: "Potentially unwanted publicly accessible services, e.g., Telnet, RDP or VNC.",
            },
            RsitType {
                value: "information-disclosure",
                expanded: "Information Disclosure",
                description: "Publicly accessible services potentially disclosing sensitive information, e.g., SNMP or Redis.",
            },
            RsitType {
                value: "vulnerable-system",
                expanded: "Vulnerable System",
                description: "A system which is vulnerable to certain attacks, e.g., misconfigured client proxy settings (such as WPAD), outdated operating system version, or cross-site scripting vulnerabilities.",
            },
        ],
    },
    RsitCategory {
        value: "other",
        expanded: "Other",
        description: "All incidents which don't fit in one of the given categories should be put into this class. If the number of incidents in this category increases, it is an indicator that the classification scheme must be revised.",
        types: &[
            RsitType {
                value: "other",
                expanded: "Uncategorised",
                description: "All incidents which don't fit in one of the given categories should be put into this class or the incident is not categorised.",
            },
            RsitType {
                value: "undetermined",
                expanded: "Undetermined",
                description: "The categorisation of the incident is unknown/undetermined.",
            },
        ],
    },
    RsitCategory {
        value: "test",
        expanded: "Test",
        description: "Meant for testing.",
        types: &[RsitType {
            value: "test",
            expanded: "Test",
            description: "Meant for testing.",
        }],
    },
];
