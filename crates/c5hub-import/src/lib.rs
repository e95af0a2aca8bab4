//! Bulk import: files and directories of IODEF documents (XML or JSON),
//! STIX 2.1 bundles, MISP events and feed directories, CSV feeds and IntelMQ
//! event lines, into the store.
//!
//! The pipeline is collect → detect → parse → store, and every stage says
//! what it received, stored and rejected. Storing happens in transactions:
//! a whole IODEF document, or a batch of feed rows. Only after a transaction
//! commits does the importer report the unit as imported (an
//! [`Event::Committed`]), so everything reported survives a crash, and an
//! import interrupted at any point can simply be run again: what was stored
//! comes back as duplicates, exactly once.
//!
//! Rejected input is copied to the quarantine folder with a file that lists
//! its errors; nothing already accepted is lost because of it.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use c5hub_formats::{DecodeOptions, Decoded, Door, FailureKind, Format, Hints, Stream};
use c5hub_iodef::model::HubRecord;
use c5hub_iodef::{Binding, Limits};
use c5hub_model::Incident;
use c5hub_store::{Outcome, Plan, Store, Submission};

/// What the importer needs to know.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The member organisation the data comes from.
    pub reporter: String,
    /// Where rejected input goes.
    pub quarantine: PathBuf,
    /// Feed rows per transaction, at most (the first transactions of a
    /// feed are smaller).
    pub batch_size: usize,
    /// Accept IODEF documents with schema violations when they convert.
    pub lenient: bool,
    /// Limits on each IODEF document.
    pub limits: Limits,
    /// The feed mapping for CSV headers c5hub does not know.
    pub feed_mapping: Option<c5hub_feeds::Mapping>,
    /// The IODEF files are a hub's export: each incident is stored under
    /// the reporter, sharing lists and recipients its hub record states
    /// ([`c5hub_iodef::model::HubRecord`]), and an Incident without one is
    /// rejected. Off, `reporter` reports everything and no sharing list is
    /// ever taken from a document. Only for the hub's operator.
    pub hub_export: bool,
    /// The TLP of feed rows that carry none (and no mapping file gives
    /// one); `None`: the feeds' default, AMBER.
    pub tlp: Option<c5hub_model::Tlp>,
    /// The organisations every imported incident is shared with (outside
    /// a hub-export import, whose records say it).
    pub share_with: Vec<String>,
}

/// Counts at the end of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files read.
    pub files: u64,
    /// Incidents stored for the first time.
    pub new: u64,
    /// New versions of incidents stored before.
    pub versions: u64,
    /// Inputs stored before (the same bytes): nothing changed.
    pub duplicates: u64,
    /// Observables of the new incidents and new versions (a duplicate's
    /// were stored before).
    pub observables: u64,
    /// What was rejected, and why.
    pub rejected: Vec<Rejection>,
}

/// One rejected input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The file, with `:LINE` for a feed row.
    pub input: String,
    /// Why.
    pub reason: String,
}

/// What happened, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// A unit (a document, feed rows `first..=last`, or incidents
    /// `first..=last` of an IODEF XML document stored in several
    /// transactions) is durably stored.
    Committed {
        /// The file.
        file: &'a Path,
        /// For feeds: the rows committed (1 is the first data row); for an
        /// IODEF XML document stored in several transactions: its
        /// Incidents committed (1 is the first); `None` for a whole document.
        rows: Option<(u64, u64)>,
        /// Outcomes of its incidents.
        outcomes: &'a [Outcome],
    },
    /// An input was rejected.
    Rejected(&'a Rejection),
    /// Bytes of input consumed so far in the current file (for progress).
    Read(u64),
}

/// Import failures that stop the run (the store or the disk failing).
#[derive(Debug)]
pub enum Error {
    /// The store failed.
    Store(c5hub_store::Error),
    /// A file could not be read or written.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Store(e) => write!(f, "{e}"),
            Error::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for Error {}

impl From<c5hub_store::Error> for Error {
    fn from(e: c5hub_store::Error) -> Self {
        Error::Store(e)
    }
}

/// Every file under `paths` (directories recursively, hidden entries
/// skipped), in a stable order. Symbolic links are followed, but each
/// directory is walked once: a link back to a directory above it (a loop)
/// or a second way to the same directory adds nothing.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        walk(p, &mut out, &mut seen)?;
    }
    Ok(out)
}

fn walk(
    p: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
) -> Result<(), Error> {
    let mut it = walkdir::WalkDir::new(p)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            // A link back to a directory above it: walkdir found the loop
            // and goes no further; the directory is being walked already.
            Err(e) if e.loop_ancestor().is_some() => continue,
            Err(e) => {
                let at = e.path().unwrap_or(p).to_owned();
                return Err(Error::Io(at, e.into()));
            }
        };
        if entry.file_type().is_dir() {
            // walkdir finds loops only; a second way to a directory seen
            // already (not above this one) is skipped here.
            let real = fs::canonicalize(entry.path())
                .map_err(|e| Error::Io(entry.path().to_owned(), e))?;
            if !seen.insert(real) {
                it.skip_current_dir();
            }
        } else {
            out.push(entry.into_path());
        }
    }
    Ok(())
}

/// The format of a file from its first bytes, among those import reads
/// (IODEF XML or JSON, a CSV feed, IntelMQ lines), asked of the format
/// registry with the feed mapping file when there is one.
pub fn detect(head: &[u8], mapping: Option<&c5hub_feeds::Mapping>) -> Option<&'static Format> {
    let hints = Hints {
        media_type: None,
        mapping,
    };
    c5hub_formats::detect(Door::Import, head, &hints)
}

/// Imports files into the store.
pub fn import(
    store: &mut Store,
    files: &[PathBuf],
    opts: &ImportOptions,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<Summary, Error> {
    let mut sum = Summary::default();
    let feeds = misp_feeds(files)?;
    for f in files {
        if feeds.listed.contains(f) {
            // Read through its feed's manifest.
            continue;
        }
        sum.files += 1;
        let mut head = [0u8; 4096];
        let n = {
            let mut file = fs::File::open(f).map_err(|e| Error::Io(f.clone(), e))?;
            read_up_to(&mut file, &mut head).map_err(|e| Error::Io(f.clone(), e))?
        };
        if feeds.manifests.contains(f) {
            import_misp_feed(store, f, opts, &mut sum, on)?;
            continue;
        }
        // A format that can be read piece by piece is, whatever its size;
        // one that is read whole is read within the limits.
        match detect(&head[..n], opts.feed_mapping.as_ref()) {
            Some(format) => match (format.stream, format.document) {
                (Some(Stream::IodefIncidents), _) => {
                    import_iodef_stream(store, f, Binding::Xml, opts, &mut sum, on)?
                }
                // A JSON document within the limits is read whole, so its
                // members may come in any order; a larger one is streamed.
                (Some(Stream::IodefJsonIncidents), Some(decode))
                    if file_size(f)? <= opts.limits.max_bytes as u64 =>
                {
                    import_document(store, f, &decode, opts, &mut sum, on)?
                }
                (Some(Stream::IodefJsonIncidents), _) => {
                    import_iodef_stream(store, f, Binding::Json, opts, &mut sum, on)?
                }
                (Some(Stream::Feed(feed)), _) => import_feed(store, f, feed, opts, &mut sum, on)?,
                (Some(Stream::StixBundle), _) => import_stix(store, f, opts, &mut sum, on)?,
                (None, Some(decode)) => import_document(store, f, &decode, opts, &mut sum, on)?,
                (None, None) => reject_file(
                    f,
                    opts,
                    &mut sum,
                    on,
                    vec![format!("{} cannot be imported", format.name)],
                )?,
            },
            None => reject_file(
                f,
                opts,
                &mut sum,
                on,
                vec![
                    "not IODEF (XML or JSON), a STIX 2.1 bundle, MISP events, a CSV feed or \
                     IntelMQ events"
                        .to_owned(),
                ],
            )?,
        }
    }
    if sum.new + sum.versions >= BULK_LOAD {
        store.refresh_statistics()?;
    }
    Ok(sum)
}

/// The MISP feeds among the files: each `manifest.json` that is a feed's
/// manifest, and the files it lists (`{uuid}.json`, and `hashes.csv`),
/// which are read through it rather than one by one.
#[derive(Default)]
struct MispFeeds {
    manifests: std::collections::HashSet<PathBuf>,
    listed: std::collections::HashSet<PathBuf>,
}

fn misp_feeds(files: &[PathBuf]) -> Result<MispFeeds, Error> {
    let mut out = MispFeeds::default();
    for f in files {
        if f.file_name().is_none_or(|n| n != "manifest.json") {
            continue;
        }
        let mut head = [0u8; 128];
        let n = {
            let mut file = fs::File::open(f).map_err(|e| Error::Io(f.clone(), e))?;
            read_up_to(&mut file, &mut head).map_err(|e| Error::Io(f.clone(), e))?
        };
        if !c5hub_formats::misp::looks_like_manifest(&head[..n]) {
            continue;
        }
        out.manifests.insert(f.clone());
        let dir = f.parent().unwrap_or(Path::new("."));
        out.listed.insert(dir.join("hashes.csv"));
        if let Ok(uuids) =
            c5hub_formats::misp::read_manifest(&fs::read(f).map_err(|e| Error::Io(f.clone(), e))?)
        {
            out.listed
                .extend(uuids.iter().map(|u| dir.join(format!("{u}.json"))));
        }
    }
    Ok(out)
}

/// Imports a MISP feed directory through its manifest: each event it
/// lists, `{uuid}.json` beside it, is read and stored on its own (whole or
/// not at all); a listed file that is missing, unreadable or not that
/// event is rejected by name, and the others are stored.
fn import_misp_feed(
    store: &mut Store,
    manifest: &Path,
    opts: &ImportOptions,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), Error> {
    let bytes = fs::read(manifest).map_err(|e| Error::Io(manifest.to_owned(), e))?;
    let uuids = match c5hub_formats::misp::read_manifest(&bytes) {
        Ok(u) => u,
        Err(failure) => {
            let why = failure.errors.iter().map(ToString::to_string).collect();
            return reject_file(manifest, opts, sum, on, why);
        }
    };
    let dir = manifest.parent().unwrap_or(Path::new("."));
    for uuid in uuids {
        let f = dir.join(format!("{uuid}.json"));
        if !f.is_file() {
            let r = Rejection {
                input: f.display().to_string(),
                reason: format!("listed in {} but missing", manifest.display()),
            };
            on(Event::Rejected(&r));
            sum.rejected.push(r);
            continue;
        }
        sum.files += 1;
        let decode =
            |b: &[u8], o: &DecodeOptions| c5hub_formats::misp::decode_feed_event(&uuid, b, o);
        import_document(store, &f, &decode, opts, sum, on)?;
    }
    Ok(())
}

/// Incidents stored by one import from which on it refreshes the store's
/// planner statistics ([`Store::refresh_statistics`]): a bulk load into a
/// fresh store is covered, and an import of a few documents does not pay
/// for a pass over the tables (0.7 s at 1M incidents on PostgreSQL).
const BULK_LOAD: u64 = 10_000;

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// An incident read from an IODEF document, with the hub record it carries
/// when the import reads a hub's export (never otherwise).
struct Converted {
    incident: Incident,
    record: Option<HubRecord>,
}

/// Adds a stored batch to the summary; `outcomes` are its incidents' in
/// order. A duplicate's observables were stored before, so they are not
/// counted again.
fn count<'a>(
    sum: &mut Summary,
    incidents: impl IntoIterator<Item = &'a Incident>,
    outcomes: &[Outcome],
) {
    for (m, o) in incidents.into_iter().zip(outcomes) {
        match o {
            Outcome::New(_) => sum.new += 1,
            Outcome::NewVersion { .. } => sum.versions += 1,
            Outcome::Duplicate(_) => {
                sum.duplicates += 1;
                continue;
            }
        }
        sum.observables += m.observables.len() as u64;
    }
}

/// Imports a document read whole by its format's decoder (IODEF JSON, and
/// any format without a stream reader), in one transaction.
fn import_document(
    store: &mut Store,
    f: &Path,
    decode: &ReadDocument<'_>,
    opts: &ImportOptions,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), Error> {
    let size = fs::metadata(f)
        .map_err(|e| Error::Io(f.to_owned(), e))?
        .len();
    if size > opts.limits.max_bytes as u64 {
        let why = format!(
            "document is {size} bytes, more than the limit of {} bytes [limit-size]",
            opts.limits.max_bytes
        );
        return reject_file(f, opts, sum, on, vec![why]);
    }
    let bytes = fs::read(f).map_err(|e| Error::Io(f.to_owned(), e))?;
    on(Event::Read(bytes.len() as u64));
    let incidents: Vec<Converted> = match decode(&bytes, &decode_options(opts)) {
        Ok(d) if opts.hub_export => d
            .incidents
            .into_iter()
            .zip(d.records)
            .map(|(incident, r)| Converted {
                incident,
                record: Some(r),
            })
            .collect(),
        Ok(d) => d
            .incidents
            .into_iter()
            .map(|incident| Converted {
                incident,
                record: None,
            })
            .collect(),
        Err(failure) => {
            let mut why = Vec::new();
            if failure.kind == FailureKind::NoIncident {
                why.push("no incident could be converted".to_owned());
            }
            why.extend(failure.errors.iter().map(ToString::to_string));
            return reject_file(f, opts, sum, on, why);
        }
    };
    let source = f.display().to_string();
    let subs: Vec<Submission<'_>> = incidents
        .iter()
        .map(|m| submission(m, &opts.reporter, &opts.share_with, &source))
        .collect();
    let outcomes = store.incidents().ingest(&subs)?;
    count(sum, incidents.iter().map(|r| &r.incident), &outcomes);
    on(Event::Committed {
        file: f,
        rows: None,
        outcomes: &outcomes,
    });
    Ok(())
}

/// How a document is read: a format's decoder, or a feed's reader of one
/// event file.
type ReadDocument<'a> =
    dyn Fn(&[u8], &DecodeOptions) -> Result<Decoded, c5hub_formats::Failure> + 'a;

/// How documents are read, from the import's options.
fn decode_options(opts: &ImportOptions) -> DecodeOptions {
    DecodeOptions {
        limits: opts.limits,
        lenient: opts.lenient,
        hub_export: opts.hub_export,
    }
}

/// Bytes of original documents one transaction of a streamed IODEF XML
/// document holds at most (besides [`ImportOptions::batch_size`]
/// incidents): what bounds the importer's memory on a document of any size.
const IODEF_BATCH_BYTES: usize = 64 << 20;

/// The same bound for a STIX bundle's groups. An incident read from STIX
/// holds about twice its original in memory (its observables, texts and
/// the store's rows beside the bytes), and a 1 GB bundle must import in
/// under 500 MB beside the store's page cache (256 MB): a quarter of the
/// IODEF bound keeps a transaction's incidents to some 50 MB.
const STIX_BATCH_BYTES: usize = 16 << 20;

/// A file read through a large buffer, with a counter of the bytes read
/// so far (for the progress bar while a batch is being stored).
fn open_counted(f: &Path) -> Result<(BufReader<CountingReader<fs::File>>, Arc<AtomicU64>), Error> {
    let file = fs::File::open(f).map_err(|e| Error::Io(f.to_owned(), e))?;
    let counter = Arc::new(AtomicU64::new(0));
    let reader = BufReader::with_capacity(
        1 << 20,
        CountingReader {
            inner: file,
            read: Arc::clone(&counter),
        },
    );
    Ok((reader, counter))
}

/// Imports an IODEF document incident by incident
/// ([`c5hub_iodef::XmlIncidents`], [`c5hub_iodef::JsonIncidents`]): the
/// limits guard each Incident, not the file, and memory stays bounded
/// whatever the document's size.
///
/// Each Incident is stored with its own original document (XML: the
/// IODEF-Document's start tag, the Incident, the end tag; JSON: the
/// document's members and an Incident array of one). Incidents are
/// stored in transactions of up to `batch_size` incidents or
/// [`IODEF_BATCH_BYTES`]; a document that fits one is stored whole or not
/// at all when it cannot be read (syntax, DOCTYPE, wrong root), as before.
/// An Incident that is invalid (unless `lenient`), too large, or does not
/// convert is not stored; the rest are, and the file is quarantined with
/// every error, each naming its Incident's path.
fn import_iodef_stream(
    store: &mut Store,
    f: &Path,
    binding: Binding,
    opts: &ImportOptions,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), Error> {
    let (reader, counter) = open_counted(f)?;
    let mut incidents = match binding {
        Binding::Xml => Incidents::Xml(c5hub_iodef::XmlIncidents::new(reader, opts.limits)),
        Binding::Json => Incidents::Json(c5hub_iodef::JsonIncidents::new(reader, opts.limits)),
    };
    let source = f.display().to_string();
    let mut errors: Vec<String> = Vec::new();
    let mut batch: Vec<Converted> = Vec::new();
    let mut batch_bytes = 0usize;
    // The incidents (1 is the document's first) of the batch being read.
    let (mut first, mut last) = (1u64, 0u64);
    let mut committed_any = false;
    let mut reported = 0u64;
    let batch_size = opts.batch_size.max(1);
    let mut fatal = false;
    while let Some(item) = incidents.next_item() {
        let doc = match item {
            Ok(doc) => doc,
            Err(v) => {
                errors.push(v.to_string());
                if incidents.is_done() {
                    fatal = true;
                }
                continue;
            }
        };
        let number = doc.index as u64 + 1;
        if batch.is_empty() {
            first = number;
        }
        last = number;
        match c5hub_formats::iodef_xml::read_incident(&doc, &decode_options(opts)) {
            Ok(ms) => {
                batch_bytes += doc.bytes.len();
                batch.extend(
                    ms.into_iter()
                        .map(|(incident, record)| Converted { incident, record }),
                );
            }
            Err(why) => errors.extend(why),
        }
        if batch.len() >= batch_size || batch_bytes >= IODEF_BATCH_BYTES {
            store_batch(
                store,
                f,
                &source,
                opts,
                &batch,
                Some((first, last)),
                sum,
                on,
            )?;
            committed_any = true;
            batch.clear();
            batch_bytes = 0;
            let read = counter.load(Ordering::Relaxed);
            on(Event::Read(read - reported));
            reported = read;
        }
    }
    // A document that cannot be read to its end stores nothing more: what
    // was read of it since the last commit is not stored.
    if !fatal && !batch.is_empty() {
        // One transaction for the whole document: reported as a document.
        let rows = committed_any.then_some((first, last));
        store_batch(store, f, &source, opts, &batch, rows, sum, on)?;
    }
    on(Event::Read(counter.load(Ordering::Relaxed) - reported));
    if !errors.is_empty() {
        reject_file(f, opts, sum, on, errors)?;
    }
    Ok(())
}

/// Imports a STIX 2.1 bundle of any size, object group by object group
/// ([`c5hub_stix::stream`]: a first pass finds the groups, a second reads
/// each). Each group is one incident; groups are stored in transactions of
/// up to `batch_size` incidents or [`STIX_BATCH_BYTES`] of originals. A
/// group that does not convert (an object with a type error, a model
/// limit) is not stored, nor an object the first pass refuses; the rest
/// are, and the file is quarantined with every error, each naming its
/// object and property. A bundle that cannot be read to its end (syntax,
/// nesting) stores nothing.
fn import_stix(
    store: &mut Store,
    f: &Path,
    opts: &ImportOptions,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), Error> {
    let groups = match stix_groups(f, opts)? {
        Ok(g) => g,
        Err(e) => return reject_file(f, opts, sum, on, vec![e.to_string()]),
    };
    on(Event::Read(file_size(f)?));
    let source = f.display().to_string();
    let mut errors: Vec<String> = groups.refused().iter().map(ToString::to_string).collect();
    let batch_size = opts.batch_size.max(1);
    // As for feeds (`import_feed`): reading and converting the groups, and
    // the store's in-memory half of each batch (its plan), run on a thread
    // of their own, a batch ahead of the store. The channel holds none: a
    // batch is handed over only when the store takes it, so that two
    // batches at most are in memory (the bundle's bounded memory).
    // Transactions hold the same groups as when read in turn, and nothing
    // is acknowledged before its commit.
    let (tx, rx) = mpsc::sync_channel::<ParsedBatch<String>>(0);
    std::thread::scope(|scope| -> Result<(), Error> {
        let source = &source;
        scope.spawn(move || {
            let mut next = ParsedBatch::default();
            let mut next_bytes = 0usize;
            let send = |b: ParsedBatch<String>| -> bool {
                let b = b.planned(&opts.reporter, &opts.share_with, source);
                tx.send(b).is_ok()
            };
            for (i, g) in groups.enumerate() {
                let g = match g {
                    Ok(g) => g,
                    Err(e) => {
                        // The file changed or failed under the second pass.
                        next.errors.push(e.to_string());
                        break;
                    }
                };
                let number = i as u64 + 1;
                match g.incident {
                    Ok(incident) => {
                        if next.incidents.is_empty() {
                            next.rows.0 = number;
                        }
                        next.rows.1 = number;
                        next_bytes += incident.original.as_ref().map_or(0, |d| d.bytes.len());
                        next.incidents.push(incident);
                    }
                    Err(es) => next
                        .errors
                        .extend(es.iter().map(|e| format!("group of {}: {e}", g.root))),
                }
                if next.incidents.len() >= batch_size || next_bytes >= STIX_BATCH_BYTES {
                    next_bytes = 0;
                    if !send(std::mem::take(&mut next)) {
                        // The store side stopped (an error): stop reading.
                        return;
                    }
                }
            }
            if !next.incidents.is_empty() || !next.errors.is_empty() {
                let _ = send(next);
            }
        });
        // On an error, returning drops `rx`, which stops the reading thread.
        for mut b in rx {
            errors.append(&mut b.errors);
            b.commit(store, opts, source, f, sum, on)?;
        }
        Ok(())
    })?;
    if !errors.is_empty() {
        reject_file(f, opts, sum, on, errors)?;
    }
    Ok(())
}

/// The object groups of a STIX 2.1 bundle file, read and converted one
/// by one.
pub type StixGroups = c5hub_stix::stream::BundleStream<fs::File>;

/// A STIX 2.1 bundle file read as [`import`] reads it: the first pass
/// done, its object groups ready to be read and converted one by one
/// (`c5hub bench stix` times this without a store). The inner `Err`: the
/// file is no bundle that can be read to its end, and is rejected whole.
pub fn stix_groups(
    f: &Path,
    opts: &ImportOptions,
) -> Result<Result<StixGroups, c5hub_stix::bundle::Error>, Error> {
    let file = fs::File::open(f).map_err(|e| Error::Io(f.to_owned(), e))?;
    let stix_opts = c5hub_stix::import::Options {
        default_tlp: opts.tlp.unwrap_or(c5hub_model::Tlp::Amber),
    };
    let limits = c5hub_formats::stix21::limits(&decode_options(opts));
    Ok(c5hub_stix::stream::scan(file, &limits, &stix_opts))
}

/// The Incidents of a streamed document in either binding.
enum Incidents<R: io::BufRead> {
    Xml(c5hub_iodef::XmlIncidents<R>),
    Json(c5hub_iodef::JsonIncidents<R>),
}

impl<R: io::BufRead> Incidents<R> {
    fn next_item(
        &mut self,
    ) -> Option<Result<c5hub_iodef::IncidentDocument, c5hub_iodef::Violation>> {
        match self {
            Incidents::Xml(i) => i.next(),
            Incidents::Json(i) => i.next(),
        }
    }

    fn is_done(&self) -> bool {
        match self {
            Incidents::Xml(i) => i.is_done(),
            Incidents::Json(i) => i.is_done(),
        }
    }
}

fn file_size(f: &Path) -> Result<u64, Error> {
    Ok(fs::metadata(f)
        .map_err(|e| Error::Io(f.to_owned(), e))?
        .len())
}

#[allow(clippy::too_many_arguments)]
fn store_batch(
    store: &mut Store,
    f: &Path,
    source: &str,
    opts: &ImportOptions,
    batch: &[Converted],
    rows: Option<(u64, u64)>,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), Error> {
    let subs: Vec<Submission<'_>> = batch
        .iter()
        .map(|m| submission(m, &opts.reporter, &opts.share_with, source))
        .collect();
    let outcomes = store.incidents().ingest(&subs)?;
    count(sum, batch.iter().map(|r| &r.incident), &outcomes);
    on(Event::Committed {
        file: f,
        rows,
        outcomes: &outcomes,
    });
    Ok(())
}

/// What is stored for an IODEF incident: under its hub record's reporter
/// and sharing lists when it has one (only a hub-export import reads
/// records), else under `reporter` and shared with no one.
fn submission<'a>(
    r: &'a Converted,
    reporter: &'a str,
    share_with: &'a [String],
    source: &'a str,
) -> Submission<'a> {
    match &r.record {
        Some(h) => Submission {
            incident: &r.incident,
            reporter: &h.reporter,
            source,
            shared_with: &h.shared_with,
            recipients: &h.recipients,
        },
        None => feed_submission(&r.incident, reporter, share_with, source),
    }
}

fn feed_submission<'a>(
    m: &'a Incident,
    reporter: &'a str,
    share_with: &'a [String],
    source: &'a str,
) -> Submission<'a> {
    Submission {
        incident: m,
        reporter,
        source,
        shared_with: share_with,
        recipients: &[],
    }
}

fn import_feed(
    store: &mut Store,
    f: &Path,
    feed_format: c5hub_feeds::FeedFormat,
    opts: &ImportOptions,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
) -> Result<(), Error> {
    let (reader, counter) = open_counted(f)?;
    let mut reported = 0u64;
    let source = f.display().to_string();
    let mapping = opts.feed_mapping.clone().unwrap_or_default();
    let feed_opts = c5hub_feeds::FeedOptions {
        tlp: opts.tlp,
        ..c5hub_feeds::FeedOptions::default()
    };
    let rows = match c5hub_feeds::Feed::new(feed_format, reader, &mapping, &feed_opts) {
        Ok(rows) => rows,
        Err(e) => return reject_file(f, opts, sum, on, vec![e.to_string()]),
    };
    let mut bad_rows: Vec<(u64, String)> = Vec::new();
    // Reading, parsing and the store's in-memory half of each batch (its
    // plan: derived columns, distinct values, correlation keys) run on a
    // thread of their own, a batch ahead of the store: on two cores the
    // store then spends its time writing. The channel is bounded, so memory
    // is too (three batches at most); nothing is acknowledged before the
    // store commits it, so this changes nothing for what survives a crash.
    let (tx, rx) = mpsc::sync_channel::<ParsedBatch>(1);
    let batch_size = opts.batch_size.max(1);
    std::thread::scope(|scope| -> Result<(), Error> {
        let source = &source;
        scope.spawn(move || {
            // Rows are numbered as read (1 is the first data row);
            // acknowledgements name the rows a transaction stored.
            let mut row_no = 0u64;
            let mut next = ParsedBatch::default();
            // Batches start small and double up to `batch_size`: the store
            // waits only for a small first batch, and the large ones after
            // it rewrite each index page fewer times.
            let mut size = (batch_size / 16).max(1);
            let send = |b: ParsedBatch| -> bool {
                let b = b.planned(&opts.reporter, &opts.share_with, source);
                tx.send(b).is_ok()
            };
            for row in rows {
                row_no += 1;
                match row {
                    Ok(m) => {
                        if next.incidents.is_empty() {
                            next.rows.0 = row_no;
                        }
                        next.rows.1 = row_no;
                        next.incidents.push(m);
                        if next.incidents.len() >= size {
                            size = (size * 2).min(batch_size);
                            if !send(std::mem::take(&mut next)) {
                                // The store side stopped (an error): stop reading.
                                return;
                            }
                        }
                    }
                    Err(e) => next.errors.push(e),
                }
            }
            if !next.incidents.is_empty() || !next.errors.is_empty() {
                let _ = send(next);
            }
        });
        // On an error, returning drops `rx`, which stops the reading thread.
        for b in rx {
            for e in &b.errors {
                let r = Rejection {
                    input: format!("{}:{}", f.display(), e.line()),
                    reason: e.to_string(),
                };
                on(Event::Rejected(&r));
                bad_rows.push((e.line(), e.to_string()));
                sum.rejected.push(r);
            }
            b.commit(store, opts, source, f, sum, on)?;
            let read = counter.load(Ordering::Relaxed);
            on(Event::Read(read - reported));
            reported = read;
        }
        Ok(())
    })?;
    on(Event::Read(counter.load(Ordering::Relaxed) - reported));
    if !bad_rows.is_empty() {
        quarantine_rows(f, opts, &bad_rows)?;
    }
    Ok(())
}

/// Feed rows (or STIX object groups) read and parsed, a store
/// transaction's worth, with their plan.
struct ParsedBatch<E = c5hub_feeds::RowError> {
    incidents: Vec<Incident>,
    /// The store's plan for `incidents` (none when there are none).
    plan: Option<Plan>,
    /// The first and last data rows (object groups) of `incidents`.
    rows: (u64, u64),
    /// Rows (groups) rejected among them.
    errors: Vec<E>,
}

impl<E> Default for ParsedBatch<E> {
    fn default() -> Self {
        ParsedBatch {
            incidents: Vec::new(),
            plan: None,
            rows: (0, 0),
            errors: Vec::new(),
        }
    }
}

impl<E> ParsedBatch<E> {
    fn planned(mut self, reporter: &str, share_with: &[String], source: &str) -> ParsedBatch<E> {
        if !self.incidents.is_empty() {
            let subs: Vec<Submission<'_>> = self
                .incidents
                .iter()
                .map(|m| feed_submission(m, reporter, share_with, source))
                .collect();
            self.plan = Some(Store::plan(&subs));
        }
        self
    }

    /// Stores the incidents under their plan in one transaction (nothing
    /// when there is no plan), counts what became of each and tells `on`.
    fn commit(
        self,
        store: &mut Store,
        opts: &ImportOptions,
        source: &str,
        f: &Path,
        sum: &mut Summary,
        on: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), Error> {
        let Some(plan) = self.plan else {
            return Ok(());
        };
        let subs: Vec<Submission<'_>> = self
            .incidents
            .iter()
            .map(|m| feed_submission(m, &opts.reporter, &opts.share_with, source))
            .collect();
        let outcomes = store.incidents().ingest_planned(&subs, plan)?;
        count(sum, &self.incidents, &outcomes);
        on(Event::Committed {
            file: f,
            rows: Some(self.rows),
            outcomes: &outcomes,
        });
        Ok(())
    }
}

/// Counts bytes read, for progress.
struct CountingReader<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The file name a rejected input is kept under: its whole path, readable,
/// with `%`, the path separators and a leading dot percent-encoded
/// (`a/b_c.xml` -> `a%2Fb_c.xml`, `../x.xml` -> `%2E.%2Fx.xml`). Different
/// paths give different names: `%` is encoded too, so no two paths can
/// meet (an earlier `_` for `/` made `a/b_c.xml` and `a_b/c.xml` one name),
/// and none meets the `.errors.txt` or `.rejected` file of another.
fn quarantine_name(f: &Path) -> String {
    let path = f.to_string_lossy();
    let mut out = String::with_capacity(path.len() + 8);
    for (i, c) in path.chars().enumerate() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            '\\' => out.push_str("%5C"),
            '.' if i == 0 => out.push_str("%2E"),
            c => out.push(c),
        }
    }
    // The quarantine adds `.errors.txt` and `.rejected` to a name for the
    // files it writes beside it: a name that already ends so has that dot
    // encoded, so no input's copy can meet another input's errors or
    // rejected rows (`x.errors.txt` is kept as `x%2Eerrors.txt`).
    for suffix in [".errors.txt", ".rejected"] {
        if out.ends_with(suffix) {
            let at = out.len() - suffix.len();
            out.replace_range(at..=at, "%2E");
        }
    }
    out
}

fn reject_file(
    f: &Path,
    opts: &ImportOptions,
    sum: &mut Summary,
    on: &mut dyn FnMut(Event<'_>),
    errors: Vec<String>,
) -> Result<(), Error> {
    fs::create_dir_all(&opts.quarantine).map_err(|e| Error::Io(opts.quarantine.clone(), e))?;
    let name = quarantine_name(f);
    let dest = opts.quarantine.join(&name);
    fs::copy(f, &dest).map_err(|e| Error::Io(dest.clone(), e))?;
    let errs = opts.quarantine.join(format!("{name}.errors.txt"));
    let mut text = format!("{}\n", f.display());
    for e in &errors {
        text.push_str(e);
        text.push('\n');
    }
    fs::write(&errs, text).map_err(|e| Error::Io(errs.clone(), e))?;
    let reason = match errors.len() {
        1 => errors[0].clone(),
        n => format!("{} (and {} more: see {})", errors[0], n - 1, errs.display()),
    };
    let r = Rejection {
        input: f.display().to_string(),
        reason,
    };
    on(Event::Rejected(&r));
    sum.rejected.push(r);
    Ok(())
}

fn quarantine_rows(f: &Path, opts: &ImportOptions, bad: &[(u64, String)]) -> Result<(), Error> {
    fs::create_dir_all(&opts.quarantine).map_err(|e| Error::Io(opts.quarantine.clone(), e))?;
    let name = quarantine_name(f);
    let dest = opts.quarantine.join(format!("{name}.rejected"));
    let errs = opts.quarantine.join(format!("{name}.rejected.errors.txt"));
    // Copy the header and the rejected lines, so the rows can be fixed and
    // imported again as a feed of their own.
    let file = fs::File::open(f).map_err(|e| Error::Io(f.to_owned(), e))?;
    let mut out =
        io::BufWriter::new(fs::File::create(&dest).map_err(|e| Error::Io(dest.clone(), e))?);
    let mut wanted = bad.iter().map(|(l, _)| *l).peekable();
    for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| Error::Io(f.to_owned(), e))?;
        if n == 1 && detect(&line, None) != Some(&c5hub_formats::intelmq::FORMAT) {
            out.write_all(&line)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|e| Error::Io(dest.clone(), e))?;
        }
        while wanted.peek().is_some_and(|w| *w < n) {
            wanted.next();
        }
        if wanted.peek() == Some(&n) {
            out.write_all(&line)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(|e| Error::Io(dest.clone(), e))?;
        }
    }
    out.flush().map_err(|e| Error::Io(dest.clone(), e))?;
    let mut text = format!("{}\n", f.display());
    for (l, e) in bad {
        text.push_str(&format!("line {l}: {e}\n"));
    }
    fs::write(&errs, text).map_err(|e| Error::Io(errs.clone(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, finding 15: different paths never share a quarantine name.
    #[test]
    fn quarantine_names_do_not_collide() {
        let names: Vec<String> = [
            "a/b_c.xml",
            "a_b/c.xml",
            "a%2Fb_c.xml",
            "../x.xml",
            "x.xml",
            "/x.xml",
            ".x.xml",
            "a\\b.xml",
        ]
        .iter()
        .map(|p| quarantine_name(Path::new(p)))
        .collect();
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| !n.contains('/') && !n.starts_with('.')),
            "{names:?}"
        );
        assert_eq!(names[0], "a%2Fb_c.xml");
        // Nor the files the quarantine writes beside them: an input named
        // like another's errors file or rejected rows.
        let inputs = ["x", "x.errors.txt", "x.rejected", "x.rejected.errors.txt"];
        let mut written = std::collections::HashSet::new();
        for p in inputs {
            let n = quarantine_name(Path::new(p));
            for f in [
                n.clone(),
                format!("{n}.errors.txt"),
                format!("{n}.rejected"),
                format!("{n}.rejected.errors.txt"),
            ] {
                assert!(written.insert(f.clone()), "{p}: {f} is another input's");
            }
        }
        assert_eq!(quarantine_name(Path::new("x.errors.txt")), "x%2Eerrors.txt");
    }

    /// Issue 14, finding 15: a symbolic link back to a directory above it
    /// is not followed round for ever; each file is listed once.
    #[cfg(unix)]
    #[test]
    fn symlink_loops_end() {
        let dir = std::env::temp_dir().join(format!("c5hub-import-loop-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a/b")).expect("dirs");
        fs::write(dir.join("a/b/f.csv"), "x\n").expect("file");
        std::os::unix::fs::symlink(dir.join("a"), dir.join("a/b/up")).expect("loop");
        std::os::unix::fs::symlink(dir.join("a/b"), dir.join("again")).expect("second way");
        let files = collect_files(std::slice::from_ref(&dir)).expect("walks");
        assert_eq!(files, vec![dir.join("a/b/f.csv")], "{files:?}");
        let _ = fs::remove_dir_all(&dir);
    }
}
