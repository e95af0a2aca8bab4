//! Store connections for the async handlers.
//!
//! The store's API is blocking, one connection per `Store`. A handler takes
//! an idle connection, runs its closure on a blocking thread and puts the
//! connection back; a semaphore makes callers wait when all are busy
//! rather than open more.

use std::sync::{Arc, Mutex};

use c5hub_store::{Location, Options, Store};
use tokio::sync::Semaphore;

use crate::problem::Problem;

pub(crate) struct StorePool {
    idle: Arc<Mutex<Vec<Store>>>,
    permits: Arc<Semaphore>,
    /// SQLite: short reads may run on the calling thread (see
    /// [`StorePool::read_short`]).
    embedded: bool,
}

impl StorePool {
    pub(crate) fn open(
        location: &Location,
        options: &Options,
        n: usize,
    ) -> Result<StorePool, c5hub_store::Error> {
        let mut stores = Vec::with_capacity(n);
        for _ in 0..n {
            stores.push(Store::open(location, options.clone())?);
        }
        Ok(StorePool {
            idle: Arc::new(Mutex::new(stores)),
            permits: Arc::new(Semaphore::new(n)),
            embedded: matches!(location, Location::Sqlite(_)),
        })
    }

    /// An idle connection; the caller holds a permit, so there is one.
    fn take(&self) -> Result<Store, Problem> {
        self.idle
            .lock()
            .map_err(|_| Problem::internal("store pool poisoned"))?
            .pop()
            .ok_or_else(|| Problem::internal("no idle store connection"))
    }

    /// Runs `f` on an idle connection in a blocking thread.
    pub(crate) async fn run<R, F>(&self, f: F) -> Result<R, Problem>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, c5hub_store::Error> + Send + 'static,
    {
        // The permit travels with the connection and is released only once
        // the connection is back: a caller that gives up (a client that
        // disconnects) must not free a permit whose connection is still
        // busy on the blocking thread.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Problem::unavailable("the store is closing"))?;
        let store = self.take()?;
        let idle = self.idle.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut store = store;
            let out = f(&mut store);
            // Put the connection back even when `f` failed: the store
            // rolls back its own failed transactions.
            if let Ok(mut v) = idle.lock() {
                v.push(store);
            }
            drop(permit);
            out
        })
        .await
        .map_err(|e| Problem::internal(format!("store task failed: {e}")))?;
        joined.map_err(Problem::from)
    }
}

impl StorePool {
    /// Like [`run`](Self::run) for closures that only read: they see one
    /// snapshot of the store ([`Store::read`]).
    pub(crate) async fn read<R, F>(&self, f: F) -> Result<R, Problem>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, c5hub_store::Error> + Send + 'static,
    {
        self.run(move |st| st.read(f)).await
    }

    /// Like [`read`](Self::read) for reads bounded by the size of one
    /// incident (no listing, no search): on the embedded store they run
    /// right here, on the runtime's thread.
    ///
    /// Such a read takes some tens of microseconds in SQLite, less than
    /// handing it to a blocking thread and waking the task again (two
    /// thread switches, a third of the CPU of a read-only load test). The
    /// PostgreSQL client blocks on its own runtime, which must not happen
    /// inside this one, so there the read goes to a blocking thread.
    pub(crate) async fn read_short<R, F>(&self, f: F) -> Result<R, Problem>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, c5hub_store::Error> + Send + 'static,
    {
        if !self.embedded {
            return self.read(f).await;
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Problem::unavailable("the store is closing"))?;
        // No await from here on: the connection is back before anyone
        // could cancel this future.
        let mut store = self.take()?;
        let out = store.read(f);
        if let Ok(mut v) = self.idle.lock() {
            v.push(store);
        }
        out.map_err(Problem::from)
    }
}

impl Drop for StorePool {
    /// The PostgreSQL client blocks on its own runtime when it closes, which
    /// panics inside an async context: close the connections on a plain
    /// thread.
    fn drop(&mut self) {
        let stores = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        let _ = std::thread::spawn(move || drop(stores)).join();
    }
}
