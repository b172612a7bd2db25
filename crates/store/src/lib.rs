//! Persistence and the job queue. One interface over SQLite (the embedded default) and
//! PostgreSQL (cluster mode); the URL's scheme picks the backend once, at start-up. All SQL of
//! the product lives in this crate.
//!
//! The queue is at-least-once: a worker claims a job with a lease; a job whose lease expired
//! (its worker died) is queued again, or failed once it has used its attempts. Workers on other
//! hosts coordinate only through the database (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite
//! has one writer, so a single `UPDATE … RETURNING` is atomic).

mod accounts;
mod live;
mod schema;
mod shared;

pub use accounts::{NewToken, NewUser, OidcLogin, SessionRecord, TokenRecord, UserRecord};
pub use live::{EVERY_RUN, Input, batch_sizes};
pub use shared::{ReportedToolchain, Snippet};

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Only the scheme is named: the rest of a URL may hold a password.
    #[error("unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl { scheme: String },
    #[error("database error while {action}: {source}")]
    Database {
        action: &'static str,
        source: sqlx::Error,
    },
    #[error("invalid value {value:?} in column {column}")]
    Corrupt { column: &'static str, value: String },
}

fn db(action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { action, source }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Queued,
    Running,
    Finished,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Finished => "finished",
            JobStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "finished" => JobStatus::Finished,
            "cancelled" => JobStatus::Cancelled,
            other => {
                return Err(StoreError::Corrupt {
                    column: "status",
                    value: other.to_string(),
                });
            }
        })
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Finished | JobStatus::Cancelled)
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    /// Who submitted it (fairness is per client).
    pub client: String,
    /// Higher runs first: interactive runs before batch submissions.
    pub priority: i32,
    /// The run request, as JSON.
    pub request: String,
    pub created_at_ms: i64,
    /// The user it belongs to; none for an anonymous run (reachable by its id alone).
    pub owner: Option<String>,
}

/// The right to write about one attempt of a claimed job: which worker claimed it, and which
/// attempt that was (a job retried after its worker was presumed dead has a new attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub job_id: String,
    pub worker: String,
    pub attempt: i32,
}

/// How an attempt ended: what `finish` records.
#[derive(Debug, Clone, Copy)]
pub struct Completion<'a> {
    pub status: JobStatus,
    /// The result, as JSON.
    pub result: &'a str,
    pub at_ms: i64,
    /// The last events of the run's stream (its result event among them), written with the
    /// result so that whoever sees the run final finds its whole stream: their first sequence
    /// number and texts.
    pub stream_from: i64,
    pub stream: &'a [std::sync::Arc<str>],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub client: String,
    pub priority: i32,
    pub status: JobStatus,
    pub request: String,
    /// The result, as JSON, once finished.
    pub result: Option<String>,
    pub attempts: i32,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    pub owner: Option<String>,
}

impl Job {
    /// The lease of this job as `worker` claimed it.
    pub fn lease(&self, worker: &str) -> Lease {
        Lease {
            job_id: self.id.clone(),
            worker: worker.to_string(),
            attempt: self.attempts,
        }
    }
}

const JOB_COLUMNS: &str = "id, client, priority, status, request, result, attempts, created_at, \
                           started_at, finished_at, owner";

fn job_from(row: &AnyRow) -> Result<Job, StoreError> {
    let get = |e| StoreError::Database {
        action: "reading a job",
        source: e,
    };
    Ok(Job {
        id: row.try_get("id").map_err(get)?,
        client: row.try_get("client").map_err(get)?,
        priority: row.try_get::<i32, _>("priority").map_err(get)?,
        status: JobStatus::parse(&row.try_get::<String, _>("status").map_err(get)?)?,
        request: row.try_get("request").map_err(get)?,
        result: row.try_get("result").map_err(get)?,
        attempts: row.try_get::<i32, _>("attempts").map_err(get)?,
        created_at_ms: row.try_get("created_at").map_err(get)?,
        started_at_ms: row.try_get("started_at").map_err(get)?,
        finished_at_ms: row.try_get("finished_at").map_err(get)?,
        owner: row.try_get("owner").map_err(get)?,
    })
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Reads that need no write lock. On SQLite (one writer) its own connections, so that
    /// readers never queue behind writes (WAL lets them read what is committed); on PostgreSQL
    /// the same pool.
    reads: AnyPool,
    backend: Backend,
    /// For the doorbell's own connection (it may hold a password).
    url: Secret,
    doorbell: std::sync::Arc<live::Doorbell>,
}

/// A value that never shows in `Debug` output or messages.
#[derive(Clone)]
pub(crate) struct Secret(std::sync::Arc<str>);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

impl Store {
    /// Connects and brings the schema up to date. `sqlite://PATH` creates the file if needed.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite://") {
            let sep = if path.contains('?') { "&" } else { "?" };
            (Backend::Sqlite, format!("sqlite://{path}{sep}mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::UnsupportedUrl {
                scheme: url
                    .split_once("://")
                    .map_or("", |(scheme, _)| scheme)
                    .to_string(),
            });
        };
        // SQLite allows one writer: a single connection avoids "database is locked" retries.
        let max = if backend == Backend::Sqlite { 1 } else { 8 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .connect(&url)
            .await
            .map_err(db("connecting"))?;
        let reads = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(4)
                .connect(&url)
                .await
                .map_err(db("connecting"))?,
            Backend::Postgres => pool.clone(),
        };
        let store = Store {
            pool,
            reads,
            backend,
            url: Secret(url.into()),
            doorbell: Default::default(),
        };
        schema::migrate(&store.pool, backend).await?;
        Ok(store)
    }

    /// Runs one statement of administration (creating a schema for tests, say).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await
            .map_err(db("running a statement"))?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn enqueue(&self, job: &NewJob) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO jobs (id, client, priority, status, request, attempts, created_at, owner) \
             VALUES ($1, $2, $3, 'queued', $4, 0, $5, $6)",
        )
        .bind(&job.id)
        .bind(&job.client)
        .bind(job.priority)
        .bind(&job.request)
        .bind(job.created_at_ms)
        .bind(&job.owner)
        .execute(&self.pool)
        .await
        .map_err(db("enqueueing a job"))?;
        Ok(())
    }

    /// Claims the next job: highest priority first, then the client with the fewest running
    /// jobs (so one client's flood does not starve another), then the oldest.
    pub async fn claim(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<Job>, StoreError> {
        let pick = "SELECT q.id FROM jobs q WHERE q.status = 'queued' ORDER BY q.priority DESC, \
                    (SELECT COUNT(*) FROM jobs r WHERE r.status = 'running' AND r.client = q.client) ASC, \
                    q.created_at ASC, q.id ASC LIMIT 1";
        let lock = if self.backend == Backend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE jobs SET status = 'running', worker = $1, lease_until = $2, started_at = $3, \
             attempts = attempts + 1 WHERE id = ({pick}{lock}) AND status = 'queued' RETURNING {JOB_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(worker)
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("claiming a job"))?;
        row.as_ref().map(job_from).transpose()
    }

    /// Keeps a claimed job ours; false when the lease was lost (expired and reclaimed).
    pub async fn extend_lease(&self, lease: &Lease, until_ms: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 \
             WHERE id = $2 AND worker = $3 AND attempts = $4 AND status = 'running'",
        )
        .bind(until_ms)
        .bind(&lease.job_id)
        .bind(&lease.worker)
        .bind(lease.attempt)
        .execute(&self.pool)
        .await
        .map_err(db("extending a lease"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the end of an attempt that still holds its lease: the result and the recorded
    /// event stream together, in one transaction, or nothing at all (false) when the lease was
    /// lost. A worker presumed dead can never overwrite what the attempt that won wrote.
    pub async fn finish(&self, lease: &Lease, end: &Completion<'_>) -> Result<bool, StoreError> {
        let err = db("finishing a job");
        let mut tx = self.pool.begin().await.map_err(err)?;
        let done = sqlx::query(
            "UPDATE jobs SET status = $1, result = $2, finished_at = $3, lease_until = NULL \
             WHERE id = $4 AND worker = $5 AND attempts = $6 AND status = 'running'",
        )
        .bind(end.status.as_str())
        .bind(end.result)
        .bind(end.at_ms)
        .bind(&lease.job_id)
        .bind(&lease.worker)
        .bind(lease.attempt)
        .execute(&mut *tx)
        .await
        .map_err(db("finishing a job"))?;
        if done.rows_affected() != 1 {
            tx.rollback().await.map_err(db("finishing a job"))?;
            return Ok(false);
        }
        self.insert_stream(&mut tx, lease, end.stream_from, end.stream)
            .await?;
        tx.commit().await.map_err(db("finishing a job"))?;
        Ok(true)
    }

    /// Cancels a queued job at once (a running one is stopped by its worker, which then
    /// finishes it as cancelled). Returns the status after the call, or None for no such job.
    pub async fn cancel_queued(
        &self,
        id: &str,
        result: &str,
        now_ms: i64,
    ) -> Result<Option<JobStatus>, StoreError> {
        sqlx::query("UPDATE jobs SET status = 'cancelled', result = $1, finished_at = $2 WHERE id = $3 AND status = 'queued'")
            .bind(result)
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db("cancelling a job"))?;
        Ok(self.get(id).await?.map(|job| job.status))
    }

    /// Asks whichever worker runs `id` to stop it; true when the run is running.
    pub async fn request_cancel(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(db("requesting a cancel"))?;
        let done = sqlx::query(
            "UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND status = 'running'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db("requesting a cancel"))?;
        // The worker, wherever it is, hears it at once.
        self.ring(&mut tx, live::INPUT_CHANNEL, id).await?;
        tx.commit().await.map_err(db("requesting a cancel"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether someone asked to stop `id` (read by the worker running it).
    pub async fn cancel_requested(&self, id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT cancel_requested FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reads)
            .await
            .map_err(db("reading a cancel request"))?;
        Ok(match row {
            Some(row) => {
                row.try_get::<i32, _>("cancel_requested")
                    .map_err(db("reading a cancel request"))?
                    != 0
            }
            None => false,
        })
    }

    pub async fn get(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reads)
            .await
            .map_err(db("reading a job"))?;
        row.as_ref().map(job_from).transpose()
    }

    /// Jobs whose worker stopped renewing the lease: queued again while they have attempts
    /// left, else finished with `failure` as their result. Returns how many were recovered.
    pub async fn recover_expired(
        &self,
        now_ms: i64,
        max_attempts: i32,
        failure: &str,
    ) -> Result<u64, StoreError> {
        let failed = sqlx::query(
            "UPDATE jobs SET status = 'finished', result = $1, finished_at = $2, lease_until = NULL \
             WHERE status = 'running' AND lease_until < $3 AND attempts >= $4",
        )
        .bind(failure)
        .bind(now_ms)
        .bind(now_ms)
        .bind(max_attempts)
        .execute(&self.pool)
        .await
        .map_err(db("failing expired jobs"))?;
        let requeued = sqlx::query(
            "UPDATE jobs SET status = 'queued', worker = NULL, lease_until = NULL \
             WHERE status = 'running' AND lease_until < $1",
        )
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(db("requeueing expired jobs"))?;
        Ok(failed.rows_affected() + requeued.rows_affected())
    }

    /// Runs of `client` not finished yet (queued or running): its concurrency.
    pub async fn active_runs(&self, client: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running') AND client = $1",
        )
        .bind(client)
        .fetch_one(&self.reads)
        .await
        .map_err(db("counting a client's runs"))?;
        row.try_get::<i64, _>("n")
            .map_err(db("counting a client's runs"))
    }

    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'")
            .fetch_one(&self.reads)
            .await
            .map_err(db("counting the queue"))?;
        row.try_get::<i64, _>("n").map_err(db("counting the queue"))
    }

    /// Deletes finished jobs older than `before_ms` (the retention setting), with their events.
    pub async fn purge_finished(&self, before_ms: i64) -> Result<u64, StoreError> {
        for table in ["run_events", "run_stream", "run_input"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE job_id IN (SELECT id FROM jobs \
                 WHERE status IN ('finished', 'cancelled') AND finished_at < $1)"
            ))
            .bind(before_ms)
            .execute(&self.pool)
            .await
            .map_err(db("purging old events"))?;
        }
        let done = sqlx::query(
            "DELETE FROM jobs WHERE status IN ('finished', 'cancelled') AND finished_at < $1",
        )
        .bind(before_ms)
        .execute(&self.pool)
        .await
        .map_err(db("purging old jobs"))?;
        Ok(done.rows_affected())
    }
}
