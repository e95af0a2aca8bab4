//! Limits on untrusted input. Inputs beyond them are refused with
//! [`crate::Error::Limit`] rather than processed slowly or exhausting memory.

/// Largest methodology document, in bytes.
pub const MAX_METHODOLOGY_BYTES: usize = 4 * 1024 * 1024;

/// Most pillars in a methodology.
pub const MAX_PILLARS: usize = 64;

/// Most questions in a methodology.
pub const MAX_QUESTIONS: usize = 10_000;

/// Most records (answers or pillar-score rows) in one input.
pub const MAX_RECORDS: usize = 2_000_000;

/// Longest text field (evidence, note, validator) in a response, in bytes.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;

/// Largest input document (responses, scores, regions) a caller should
/// pass in, in bytes. The library reads strings; the binary checks this
/// before reading a file.
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Most weight draws in one sensitivity analysis.
pub const MAX_DRAWS: usize = 1_000_000;

/// Most stored simulated scores (countries × draws) in one analysis:
/// 8 bytes each, so 400 MB at most.
pub const MAX_SIMULATED_SCORES: usize = 50_000_000;
