//! The one writer of submissions: group commit.
//!
//! Handlers queue submissions and wait. The writer takes everything queued
//! (up to `max_batch` incidents), stores it in one transaction, and only
//! after the commit answers each handler. Under load many submissions share
//! one commit; alone, a submission is committed at once. On shutdown the
//! queue is drained before the thread ends, so nothing acknowledged, and
//! nothing accepted into the queue, is lost.

use std::sync::Arc;
use std::thread::JoinHandle;

use c5hub_model::Incident;
use c5hub_store::{Location, Options, Outcome, Store, Submission};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::problem::Problem;

/// One submission, owned.
pub(crate) struct OwnedSubmission {
    pub(crate) incident: Incident,
    pub(crate) reporter: String,
    pub(crate) source: String,
    pub(crate) shared_with: Vec<String>,
    pub(crate) recipients: Vec<String>,
}

struct Job {
    subs: Vec<OwnedSubmission>,
    reply: oneshot::Sender<Result<Vec<Outcome>, String>>,
}

/// Where handlers queue submissions.
#[derive(Clone)]
pub(crate) struct WriterHandle {
    tx: mpsc::Sender<Job>,
}

/// The writer thread; join it after the last handle is dropped.
pub(crate) struct WriterThread(JoinHandle<()>);

impl WriterThread {
    pub(crate) fn join(self) {
        let _ = self.0.join();
    }
}

const QUEUE: usize = 4096;

pub(crate) fn spawn(
    location: &Location,
    options: Options,
    max_batch: usize,
    metrics: Arc<Metrics>,
) -> Result<(WriterHandle, WriterThread), c5hub_store::Error> {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let max_batch = max_batch.max(1);
    let location = location.clone();
    let (opened_tx, opened_rx) = std::sync::mpsc::channel();
    // The store is opened, used and closed on the writer's own thread: the
    // PostgreSQL client must not be driven from inside the async runtime.
    let thread = std::thread::Builder::new()
        .name("c5hub-writer".to_owned())
        .spawn(move || {
            let mut store = match Store::open(&location, options) {
                Ok(s) => {
                    let _ = opened_tx.send(Ok(()));
                    s
                }
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                    return;
                }
            };
            while let Some(first) = rx.blocking_recv() {
                let mut jobs = vec![first];
                let mut n = jobs[0].subs.len();
                while n < max_batch {
                    match rx.try_recv() {
                        Ok(j) => {
                            n += j.subs.len();
                            jobs.push(j);
                        }
                        Err(_) => break,
                    }
                }
                commit(&mut store, jobs, &metrics);
            }
        })
        .map_err(|e| c5hub_store::Error::Open(format!("cannot start the writer: {e}")))?;
    opened_rx
        .recv()
        .map_err(|_| c5hub_store::Error::Open("the writer thread ended".to_owned()))??;
    Ok((WriterHandle { tx }, WriterThread(thread)))
}

fn submissions(subs: &[OwnedSubmission]) -> Vec<Submission<'_>> {
    subs.iter()
        .map(|s| Submission {
            incident: &s.incident,
            reporter: &s.reporter,
            source: &s.source,
            shared_with: &s.shared_with,
            recipients: &s.recipients,
        })
        .collect()
}

fn commit(store: &mut Store, jobs: Vec<Job>, metrics: &Metrics) {
    let all: Vec<Submission<'_>> = jobs.iter().flat_map(|j| submissions(&j.subs)).collect();
    metrics.observe_batch(all.len());
    match store.incidents().ingest(&all) {
        Ok(outcomes) => {
            drop(all);
            let mut it = outcomes.into_iter();
            for j in jobs {
                let mine: Vec<Outcome> = it.by_ref().take(j.subs.len()).collect();
                let _ = j.reply.send(Ok(mine));
            }
        }
        Err(e) if jobs.len() > 1 => {
            // One job's failure must not fail the others: retry each alone.
            tracing::warn!("group commit failed ({e}); committing one by one");
            drop(all);
            for j in jobs {
                let result = store
                    .incidents()
                    .ingest(&submissions(&j.subs))
                    .map_err(|e| e.to_string());
                let _ = j.reply.send(result);
            }
        }
        Err(e) => {
            drop(all);
            for j in jobs {
                let _ = j.reply.send(Err(e.to_string()));
            }
        }
    }
}

impl WriterHandle {
    /// Queues submissions and waits until they are committed.
    pub(crate) async fn submit(&self, subs: Vec<OwnedSubmission>) -> Result<Vec<Outcome>, Problem> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { subs, reply })
            .await
            .map_err(|_| Problem::unavailable("the hub is shutting down"))?;
        answer
            .await
            .map_err(|_| Problem::unavailable("the hub is shutting down"))?
            .map_err(|e| Problem::internal(format!("cannot store the submission: {e}")))
    }
}
