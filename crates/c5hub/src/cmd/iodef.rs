//! `c5hub iodef`: validate, convert and summarise IODEF v2 documents.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use c5hub_iodef::{Binding, Decoded, Limits, Violation};
use clap::{Args, Subcommand, ValueEnum};

/// The `iodef` subcommands.
#[derive(Debug, Subcommand)]
pub enum IodefCommand {
    /// Check documents against RFC 7970; prints `FILE: PATH: message` per
    /// violation. Exit 0 when all are valid, 1 when any is invalid, 2 on
    /// usage or I/O errors.
    Validate {
        /// Documents to check (XML or JSON, detected from the content).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print nothing for valid documents (only violations).
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Convert a document between the XML and JSON bindings.
    Convert {
        /// The document to convert.
        file: PathBuf,
        /// The binding to write.
        #[arg(long, value_enum)]
        to: Target,
        /// Where to write; standard output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Convert even when the document has violations (they are printed).
        #[arg(long)]
        lenient: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// A readable overview: incidents, classification, TLP, observables, contacts.
    Summary {
        /// The document to summarise.
        file: PathBuf,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// The binding to convert to.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Target {
    /// RFC 7970 XML.
    Xml,
    /// RFC 8727 JSON.
    Json,
}

/// Limits on untrusted input.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest document accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_bytes)]
    max_bytes: usize,
    /// Deepest element nesting accepted.
    #[arg(long, default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Most elements accepted in one document.
    #[arg(long, default_value_t = Limits::default().max_elements)]
    max_elements: usize,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_bytes: self.max_bytes,
            max_depth: self.max_depth,
            max_elements: self.max_elements,
        }
    }
}

/// Runs an `iodef` subcommand.
pub fn run(cmd: IodefCommand) -> Result<ExitCode> {
    match cmd {
        IodefCommand::Validate {
            files,
            quiet,
            limits,
        } => validate(&files, quiet, &limits.limits()),
        IodefCommand::Convert {
            file,
            to,
            output,
            lenient,
            limits,
        } => convert(&file, to, output.as_deref(), lenient, &limits.limits()),
        IodefCommand::Summary { file, limits } => summary(&file, &limits.limits()),
    }
}

/// Reads a file, refusing before reading when it exceeds the size limit;
/// the refusal is a violation like any other.
fn read_limited(path: &Path, limits: &Limits) -> Result<std::result::Result<Vec<u8>, Violation>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if let Err(v) = limits.check_size(meta.len()) {
        return Ok(Err(v));
    }
    Ok(Ok(std::fs::read(path).with_context(|| {
        format!("cannot read {}", path.display())
    })?))
}

/// Reads and decodes a file; `Err(violation)` when it could not be read as IODEF.
fn load(path: &Path, limits: &Limits) -> Result<std::result::Result<Decoded, Violation>> {
    Ok(match read_limited(path, limits)? {
        Ok(bytes) => c5hub_iodef::decode(&bytes, limits),
        Err(v) => Err(v),
    })
}

fn validate(files: &[PathBuf], quiet: bool, limits: &Limits) -> Result<ExitCode> {
    let mut invalid = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in files {
        let name = f.display();
        match load(f, limits)? {
            Ok(d) => {
                for v in &d.violations {
                    writeln!(out, "{name}: {}: {} [{}]", v.path, v.message, v.rule.code())?;
                }
                invalid |= !d.is_valid();
                // Silence would read as "did nothing": each valid file says so.
                if d.is_valid() && !quiet {
                    writeln!(out, "{name}: valid")?;
                }
            }
            Err(v) => {
                writeln!(out, "{name}: {}: {} [{}]", v.path, v.message, v.rule.code())?;
                invalid = true;
            }
        }
    }
    Ok(if invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn decode_file(file: &Path, limits: &Limits) -> Result<std::result::Result<Decoded, ExitCode>> {
    match load(file, limits)? {
        Ok(d) => Ok(Ok(d)),
        Err(v) => {
            eprintln!(
                "{}: {}: {} [{}]",
                file.display(),
                v.path,
                v.message,
                v.rule.code()
            );
            Ok(Err(ExitCode::from(1)))
        }
    }
}

fn convert(
    file: &Path,
    to: Target,
    output: Option<&Path>,
    lenient: bool,
    limits: &Limits,
) -> Result<ExitCode> {
    let d = match decode_file(file, limits)? {
        Ok(d) => d,
        Err(code) => return Ok(code),
    };
    for v in &d.violations {
        eprintln!(
            "{}: {}: {} [{}]",
            file.display(),
            v.path,
            v.message,
            v.rule.code()
        );
    }
    if !d.is_valid() && !lenient {
        eprintln!(
            "{}: not converted: the document is invalid (use --lenient to convert anyway)",
            file.display()
        );
        return Ok(ExitCode::from(1));
    }
    let binding = match to {
        Target::Xml => Binding::Xml,
        Target::Json => Binding::Json,
    };
    let mut text = c5hub_iodef::encode(&d.document, binding);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match output {
        Some(o) => {
            std::fs::write(o, text).with_context(|| format!("cannot write {}", o.display()))?
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(file: &Path, limits: &Limits) -> Result<ExitCode> {
    let d = match decode_file(file, limits)? {
        Ok(d) => d,
        Err(code) => return Ok(code),
    };
    let text = c5hub_iodef::model::summary(&d);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
