-- Domain keys become a host's labels in reverse order, each followed by a
-- dot (correlate.rs, domain_key), so that a domain and its sub-domains are
-- one range of domain_postings' key. The range is bytewise, as SQLite
-- compares: collation "C" here (a locale's collation may ignore the dots).
-- Reversing labels needs Rust: the migration's step `reverse_domain_keys`
-- rewrites the values.
ALTER TABLE observables ALTER COLUMN domain TYPE TEXT COLLATE "C";
ALTER TABLE domain_postings ALTER COLUMN domain TYPE TEXT COLLATE "C";
