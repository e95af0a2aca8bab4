//! The national assessment in the hub server: the door onto
//! `c5hub_hub::assess`, which holds who may do what with an edition or a
//! response and hands validated responses to `c5hub-assess` for scoring.

use c5hub_hub::Authority;
use c5hub_hub::assess::{self as ops, Results};
use c5hub_store::{Principal, Store};

use crate::AppState;
use crate::problem::Problem;

/// The operations layer's view of a member.
pub(crate) fn authority(s: &AppState, p: &Principal) -> Authority {
    Authority::member(p.clone(), s.config.org.clone())
}

/// Runs one assessment operation for `p` on a store connection.
pub(crate) async fn run<R, F>(s: &AppState, p: &Principal, f: F) -> Result<R, Problem>
where
    R: Send + 'static,
    F: FnOnce(&Authority, &mut Store) -> Result<R, c5hub_hub::Error> + Send + 'static,
{
    let who = authority(s, p);
    s.pool
        .run(move |st| Ok(f(&who, st)))
        .await?
        .map_err(Problem::from)
}

/// An edition's results for a handler: not found when there is no such
/// edition. Reading is on a store connection, scoring on a blocking thread.
pub(crate) async fn results(s: &AppState, p: &Principal, edition: i64) -> Result<Results, Problem> {
    let (ed, n, countries) = run(s, p, move |_, st| {
        ops::load_validated(st, edition)?
            .ok_or_else(|| c5hub_hub::Error::NotFound(format!("edition {edition}")))
    })
    .await?;
    let mut res = tokio::task::spawn_blocking(move || ops::compute(ed, n, countries))
        .await
        .map_err(|e| Problem::internal(format!("scoring task failed: {e}")))?
        .map_err(Problem::from)?;
    let hub = s.config.org.clone();
    res.conflicts = run(s, p, move |_, st| {
        ops::own_country_conflicts(st, edition, &hub)
    })
    .await?;
    Ok(res)
}
