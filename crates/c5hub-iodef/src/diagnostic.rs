//! Violations of RFC 7970: what is wrong, where, and which rule says so.

use std::fmt;

/// The rule a document breaks. Each has a stable kebab-case code, used in
/// test expectations and in machine-readable output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // The codes say it; `Rule::describe` says it in words.
pub enum Rule {
    XmlSyntax,
    JsonSyntax,
    JsonType,
    Encoding,
    DtdForbidden,
    LimitSize,
    LimitDepth,
    LimitElements,
    WrongRoot,
    UnknownElement,
    UnknownAttribute,
    UnexpectedText,
    MissingElement,
    MissingAttribute,
    TooMany,
    Order,
    Choice,
    Enum,
    DateTime,
    Integer,
    Float,
    PositiveFloat,
    Portlist,
    Timezone,
    Url,
    Id,
    Lang,
    Fixed,
    Version,
    ExtValueMissing,
    ExtValueMismatch,
    NodeAddress,
    DuplicateId,
    DanglingRef,
}

impl Rule {
    /// The stable code.
    pub fn code(self) -> &'static str {
        use Rule::*;
        match self {
            XmlSyntax => "xml-syntax",
            JsonSyntax => "json-syntax",
            JsonType => "json-type",
            Encoding => "encoding",
            DtdForbidden => "dtd-forbidden",
            LimitSize => "limit-size",
            LimitDepth => "limit-depth",
            LimitElements => "limit-elements",
            WrongRoot => "wrong-root",
            UnknownElement => "unknown-element",
            UnknownAttribute => "unknown-attribute",
            UnexpectedText => "unexpected-text",
            MissingElement => "missing-element",
            MissingAttribute => "missing-attribute",
            TooMany => "too-many",
            Order => "order",
            Choice => "choice",
            Enum => "enum",
            DateTime => "date-time",
            Integer => "integer",
            Float => "float",
            PositiveFloat => "positive-float",
            Portlist => "portlist",
            Timezone => "timezone",
            Url => "url",
            Id => "id",
            Lang => "lang",
            Fixed => "fixed",
            Version => "version",
            ExtValueMissing => "ext-value-missing",
            ExtValueMismatch => "ext-value-mismatch",
            NodeAddress => "node-address",
            DuplicateId => "duplicate-id",
            DanglingRef => "dangling-ref",
        }
    }

    /// Whether the rule stops decoding (nothing usable was produced).
    pub fn is_fatal(self) -> bool {
        use Rule::*;
        matches!(
            self,
            XmlSyntax
                | JsonSyntax
                | Encoding
                | DtdForbidden
                | LimitSize
                | LimitDepth
                | LimitElements
                | WrongRoot
        )
    }
}

/// One violation: where, which rule, and a message for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Element path such as `/IODEF-Document/Incident[0]/Contact[1]/Email[0]`,
    /// with `/@name` for an attribute; `-` when there is no element (syntax
    /// errors name a line and column in the message instead).
    pub path: String,
    /// The rule.
    pub rule: Rule,
    /// What is wrong, in words.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(path: impl Into<String>, rule: Rule, message: impl Into<String>) -> Self {
        Violation {
            path: path.into(),
            rule,
            message: message.into(),
        }
    }

    pub(crate) fn fatal(rule: Rule, message: impl Into<String>) -> Self {
        Violation::new("-", rule, message)
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.rule.code())
    }
}

impl std::error::Error for Violation {}

/// Limits on untrusted input. Every decoder checks them before it allocates
/// in proportion to the input.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest document accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
}

impl Limits {
    /// Refuses a document larger than `max_bytes`.
    pub fn check_size(&self, len: u64) -> Result<(), Violation> {
        if len > self.max_bytes as u64 {
            return Err(Violation::fatal(
                Rule::LimitSize,
                format!(
                    "document is {len} bytes, more than the limit of {} bytes",
                    self.max_bytes
                ),
            ));
        }
        Ok(())
    }

    /// Refuses nesting deeper than `max_depth` or more than `max_elements`
    /// elements; `at` says where (a line and column, or a path), and is only
    /// spelled out when a limit is hit.
    pub(crate) fn check_tree(
        &self,
        depth: usize,
        elements: usize,
        at: impl FnOnce() -> String,
    ) -> Result<(), Violation> {
        if depth > self.max_depth {
            return Err(Violation::fatal(
                Rule::LimitDepth,
                format!(
                    "{}: elements nest deeper than the limit of {}",
                    at(),
                    self.max_depth
                ),
            ));
        }
        if elements > self.max_elements {
            return Err(Violation::fatal(
                Rule::LimitElements,
                format!(
                    "document has more than the limit of {} elements",
                    self.max_elements
                ),
            ));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        // 16 MiB holds the largest real bulk reports we know of (watch lists
        // of tens of thousands of indicators); 64 levels is three times the
        // deepest nesting RFC 7970's own examples use.
        Limits {
            max_bytes: 16 << 20,
            max_depth: 64,
            max_elements: 500_000,
        }
    }
}
