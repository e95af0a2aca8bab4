-- Domain keys become a host's labels in reverse order, each followed by a
-- dot (correlate.rs, domain_key), so that a domain and its sub-domains are
-- one range of domain_postings' key. Reversing labels needs Rust: the
-- migration's step `reverse_domain_keys` rewrites observables.domain and
-- domain_postings.domain. SQLite compares text bytewise already.
SELECT 1;
