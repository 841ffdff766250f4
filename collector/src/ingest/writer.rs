//! Group commit: accepted responses go through a bounded queue to a writer thread, which commits
//! them in batches — one transaction for up to `max_rows` rows, gathered for at most `max_wait`
//! after the first — and answers each request only after its batch's commit is durable (SQLite
//! `synchronous=FULL` in WAL mode, PostgreSQL `synchronous_commit=on`). A full queue is answered
//! `503` with `Retry-After` at once, never with a wait. SQLite has one writer (it has one write
//! lock); PostgreSQL `VOCE_POSTGRES_WRITERS` (2), each on its own connection, so that one
//! gathers and inserts a batch while another waits for its commit — they take rollup rows in key
//! order, as two replicas do.
//!
//! One ticket stores at most one response: the unique `ticket_id` decides, inside the batch's
//! transaction, so a retry (same body) gets the first receipt and another body `409`, whether
//! the first use is in an earlier batch, earlier in the same batch, or committed at the same
//! moment by another collector on the same database.
//!
//! The rollups (`crate::stats::rollups`) are updated in the same transaction: the batch's new
//! responses are counted in memory and added to each touched rollup row, so a figure never
//! disagrees with the rows it counts.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::Connection;
use tokio::sync::oneshot;
use voce_shared::Catalog;
use voce_shared::api::Receipt;

use super::IngestError;
use super::check_replay;
use super::rows::NewResponse;
use crate::counts::DailyCounts;
use crate::db::responses::StoredTicket;
use crate::db::{self, DbConnection, DbError, Pool};
use crate::metrics::Metrics;
use crate::stats::rollups::{self, Counted, Increments};

/// What happened to a response.
#[derive(Debug)]
pub enum Stored {
    /// It was committed now.
    Created(Receipt),
    /// The ticket had already stored this same body: its first receipt.
    Replayed(Receipt),
}

/// How the writer batches.
#[derive(Clone, Copy, Debug)]
pub struct BatchSettings {
    /// Most responses in one transaction.
    pub max_rows: usize,
    /// Longest wait for more responses after the first of a batch.
    pub max_wait: Duration,
    /// Most responses waiting for the writer; beyond, `503`.
    pub queue: usize,
    /// Writer threads: 1 on SQLite (one write lock); on PostgreSQL one commits while the next
    /// gathers and inserts its batch.
    pub writers: usize,
}

struct Job {
    new: NewResponse,
    reply: oneshot::Sender<Result<Stored, IngestError>>,
}

/// The handle through which handlers store responses.
#[derive(Clone)]
pub struct Writer {
    queue: SyncSender<Job>,
}

/// What the writer needs besides its queue.
struct Sink {
    pool: Pool,
    counts: Arc<DailyCounts>,
    metrics: actix_web::web::Data<Metrics>,
    catalog: &'static Catalog,
}

impl Writer {
    /// Starts the writer thread; it stops when the last handle is dropped, after committing what
    /// was queued.
    pub fn spawn(
        pool: Pool,
        counts: Arc<DailyCounts>,
        metrics: actix_web::web::Data<Metrics>,
        settings: BatchSettings,
    ) -> std::io::Result<Writer> {
        let catalog = Catalog::national().map_err(|e| std::io::Error::other(e.to_string()))?;
        let (queue, jobs) = mpsc::sync_channel(settings.queue.max(1));
        let jobs = Arc::new(Mutex::new(jobs));
        let sink = Arc::new(Sink {
            pool,
            counts,
            metrics,
            catalog,
        });
        for _ in 0..settings.writers.max(1) {
            let (jobs, sink) = (jobs.clone(), sink.clone());
            std::thread::Builder::new()
                .name("voce-writer".into())
                .spawn(move || run(&jobs, &sink, settings))?;
        }
        Ok(Writer { queue })
    }

    /// Stores a response; returns once its batch is committed (or refused).
    pub async fn store(&self, new: NewResponse) -> Result<Stored, IngestError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send(Job { new, reply })
            .map_err(|e| IngestError::Unavailable {
                retry_after_secs: 1,
                cause: match e {
                    TrySendError::Full(_) => "the write queue is full".into(),
                    TrySendError::Disconnected(_) => "the writer has stopped".into(),
                },
            })?;
        answer.await.map_err(|_| IngestError::Unavailable {
            retry_after_secs: 1,
            cause: "the writer stopped before answering".into(),
        })?
    }
}

/// One writer thread: gathers a batch while holding the queue (so two writers never split one
/// burst between them), then commits it while the next writer, if any, gathers the next.
fn run(jobs: &Mutex<Receiver<Job>>, sink: &Sink, settings: BatchSettings) {
    loop {
        let batch = {
            let Ok(jobs) = jobs.lock() else { return };
            let Ok(first) = jobs.recv() else { return };
            let mut batch = vec![first];
            let deadline = Instant::now() + settings.max_wait;
            while batch.len() < settings.max_rows {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(TryRecvError::Disconnected) => break,
                    Err(TryRecvError::Empty) => {
                        match jobs.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                        {
                            Ok(job) => batch.push(job),
                            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                                break;
                            }
                        }
                    }
                }
            }
            batch
        };
        commit(batch, sink);
    }
}

/// What one job of a committed batch gets.
enum Decision {
    Created,
    Existing(StoredTicket),
}

/// Commits a batch and answers its requests. A batch the database refuses for a reason that is
/// not transient (a row it cannot store) is retried one response at a time, so one bad row never
/// costs the others their place.
fn commit(batch: Vec<Job>, sink: &Sink) {
    let started = Instant::now();
    let outcome = sink.pool.get().map_err(DbError::from).and_then(|mut conn| {
        let news: Vec<&NewResponse> = batch.iter().map(|j| &j.new).collect();
        conn.transaction(|conn| decide(conn, sink.catalog, &news))
    });
    sink.metrics.record_db_latency(started.elapsed());
    sink.metrics.record_write_batch(batch.len());
    match outcome {
        Ok(decisions) => {
            for (job, decision) in batch.into_iter().zip(decisions) {
                let response = &job.new.response;
                let answer = match decision {
                    Decision::Created => {
                        sink.metrics.record_response();
                        sink.counts.responses(&response.service_id, &job.new.day, 1);
                        Ok(Stored::Created(Receipt {
                            response_id: response.id.clone(),
                            received_at: response.received_at.clone(),
                        }))
                    }
                    Decision::Existing(stored) => {
                        check_replay(&stored.body_fingerprint, &response.body_fingerprint).map(
                            |()| {
                                Stored::Replayed(Receipt {
                                    response_id: stored.response_id,
                                    received_at: stored.received_at,
                                })
                            },
                        )
                    }
                };
                // A client that went away does not take its reply.
                let _ = job.reply.send(answer);
            }
        }
        Err(e) if batch.len() > 1 && !e.is_transient() => {
            tracing::warn!(error = %e, rows = batch.len(), "batch refused; committing its rows one by one");
            for job in batch {
                commit(vec![job], sink);
            }
        }
        Err(e) => {
            let e = IngestError::from(e);
            for job in batch {
                let _ = job.reply.send(Err(e.clone()));
            }
        }
    }
}

/// Stores responses now, on the caller's connection, exactly as a batch of the writer is stored
/// (one transaction, rollups included), without the queue: the entry point of the demo seeder
/// (`voce-seed` in the `voce-devtools` crate), so that seeded data fills the rollups exactly as
/// live responses do. Returns how many were new (a ticket id already stored is skipped).
pub fn store_now(
    conn: &mut DbConnection,
    catalog: &'static Catalog,
    news: &[NewResponse],
) -> Result<usize, DbError> {
    let news: Vec<&NewResponse> = news.iter().collect();
    let decisions = conn.transaction(|conn| decide(conn, catalog, &news))?;
    Ok(decisions
        .iter()
        .filter(|d| matches!(d, Decision::Created))
        .count())
}

/// Inside the batch's transaction: which responses are new, and which tickets already stored
/// one (before this batch, earlier in it, or just now on another collector). The whole batch is
/// offered to the unique `ticket_id` in one `INSERT … ON CONFLICT DO NOTHING RETURNING id` (so
/// the transaction's first statement is a write: a SQLite writer then waits its busy timeout
/// for another process's writer instead of failing on a stale read snapshot), and only the
/// refused ones are looked up.
fn decide(
    conn: &mut DbConnection,
    catalog: &'static Catalog,
    batch: &[&NewResponse],
) -> Result<Vec<Decision>, DbError> {
    let rows: Vec<_> = batch.iter().map(|n| n.response.clone()).collect();
    let texts: Vec<_> = batch.iter().flat_map(|n| n.texts.iter().cloned()).collect();
    let inserted: HashSet<String> = db::responses::insert_unless_stored(conn, &rows, &texts)?
        .into_iter()
        .collect();
    let refused: Vec<&str> = rows
        .iter()
        .filter(|r| !inserted.contains(&r.id))
        .map(|r| r.ticket_id.as_str())
        .collect();
    let first: HashMap<String, StoredTicket> = if refused.is_empty() {
        HashMap::new()
    } else {
        db::responses::find_by_tickets(conn, &refused)?
            .into_iter()
            .collect()
    };
    let mut increments = Increments::default();
    for r in rows.iter().filter(|r| inserted.contains(&r.id)) {
        increments.add(catalog, &Counted::from(r));
    }
    rollups::store(conn, increments)?;
    rows.iter()
        .map(|r| {
            if inserted.contains(&r.id) {
                Ok(Decision::Created)
            } else {
                first
                    .get(&r.ticket_id)
                    .cloned()
                    .map(Decision::Existing)
                    .ok_or_else(|| DbError::Corrupt("a ticket both stored and absent".into()))
            }
        })
        .collect()
}
