//! One module per subcommand group. Each exposes its clap arguments and a
//! `run` function returning the process exit code.

pub mod assess;
pub mod bench;
pub mod feeds;
pub mod iodef;
pub mod peers;
pub mod serve;
pub mod spam;
pub mod store;

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The first line of a file holding a secret (a password, a token, a
/// key), trimmed: secrets are read from files, never from the command
/// line, which other users of the machine can see.
fn secret_file(path: &Path, what: &str) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} file {}", path.display()))?;
    let line = text.lines().next().unwrap_or("").trim().to_owned();
    if line.is_empty() {
        bail!("the {what} file {} is empty", path.display());
    }
    Ok(line)
}
