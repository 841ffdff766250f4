//! A response body read a page at a time: each page is produced only when the client has taken
//! the previous one, so an export of a million rows holds one page in memory, never the whole.

use std::future::Future;

use actix_web::web::Bytes;
use futures_util::Stream;

use crate::db::DbError;

/// The chunks of the pages `next` produces, starting from `start`: each call returns a page's
/// bytes and the cursor of the following page (`None` after the last). An error ends the body
/// early (the client sees a truncated transfer) and is logged.
pub fn pages<C, F, Fut>(start: C, next: F) -> impl Stream<Item = Result<Bytes, DbError>> + 'static
where
    C: 'static,
    F: FnMut(C) -> Fut + 'static,
    Fut: Future<Output = Result<(Bytes, Option<C>), DbError>> + 'static,
{
    futures_util::stream::try_unfold((Some(start), next), |(cursor, mut next)| async move {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        match next(cursor).await {
            Ok((bytes, after)) => Ok(Some((bytes, (after, next)))),
            Err(e) => {
                tracing::warn!(error = %e, "an export stopped part way");
                Err(e)
            }
        }
    })
}
