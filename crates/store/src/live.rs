//! Runs across processes: the live event stream of a running run (appended by the worker that
//! holds its lease, read by any process by sequence number), the input other processes send it
//! (stdin, end of input), and a doorbell that says "something was appended for this run".
//!
//! The bytes are in tables; PostgreSQL's NOTIFY is only the doorbell (its payloads are capped
//! at 8000 bytes and it serialises commits, so it carries a run id and nothing else). A
//! listener that reconnects may have missed rings, so a reconnect rings for every run (`*`)
//! and readers re-read from their last sequence number. SQLite has no NOTIFY: its doorbell
//! rings for every run on a short tick while anyone listens.

use crate::{Backend, Lease, Store, StoreError, db};
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The doorbell's notification channels on PostgreSQL.
const STREAM_CHANNEL: &str = "codecollab_stream";
pub(crate) const INPUT_CHANNEL: &str = "codecollab_input";
/// A ring that concerns every run: re-read.
pub const EVERY_RUN: &str = "*";
/// How often SQLite's doorbell rings (no NOTIFY there).
const SQLITE_TICK: Duration = Duration::from_millis(20);

/// Input another process sends a running run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin(String),
    Eof,
}

impl Input {
    fn kind(&self) -> &'static str {
        match self {
            Input::Stdin(_) => "stdin",
            Input::Eof => "eof",
        }
    }
}

/// Most rows and bytes of events one statement carries.
pub const STREAM_BATCH_ROWS: usize = 256;
pub const STREAM_BATCH_BYTES: usize = 1 << 20;

/// How many of `events`, from the first, go in each statement (at least one each).
pub fn batch_sizes(events: &[Arc<str>]) -> Vec<usize> {
    let mut sizes = Vec::new();
    let (mut rows, mut bytes) = (0, 0);
    for event in events {
        if rows > 0 && (rows == STREAM_BATCH_ROWS || bytes + event.len() > STREAM_BATCH_BYTES) {
            sizes.push(rows);
            (rows, bytes) = (0, 0);
        }
        rows += 1;
        bytes += event.len();
    }
    if rows > 0 {
        sizes.push(rows);
    }
    sizes
}

/// `INSERT … SELECT` of `count` rows: ($1 job, $2 attempt, $3 worker) and a (seq, event) pair
/// per row, kept where `guard` holds.
fn stream_insert(count: usize, guard: &str) -> String {
    let mut rows = String::new();
    for i in 0..count {
        if i > 0 {
            rows.push_str(" UNION ALL ");
        }
        let p = 4 + 2 * i;
        rows.push_str(&format!("SELECT ${p} AS seq, ${} AS event", p + 1));
    }
    format!(
        "INSERT INTO run_stream (job_id, seq, attempt, event) \
         SELECT $1, r.seq, $2, r.event FROM ({rows}) AS r {guard}"
    )
}

fn bind_stream<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    lease: &'q Lease,
    first_seq: i64,
    events: &'q [Arc<str>],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = query
        .bind(&lease.job_id)
        .bind(lease.attempt)
        .bind(&lease.worker);
    for (i, event) in events.iter().enumerate() {
        query = query.bind(first_seq + i as i64).bind(event.as_ref());
    }
    query
}

/// The doorbell: one listener per process, shared by every reader.
#[derive(Debug, Default)]
pub(crate) struct Doorbell {
    sender: std::sync::OnceLock<broadcast::Sender<Arc<str>>>,
}

impl Store {
    /// Appends events (JSON texts) at `first_seq`… of a run, if `lease` still holds it (its
    /// worker and attempt, whatever the run's status: the result event follows `finish`).
    /// False when the lease is gone: nothing was written.
    pub async fn append_stream(
        &self,
        lease: &Lease,
        first_seq: i64,
        events: &[Arc<str>],
    ) -> Result<bool, StoreError> {
        if events.is_empty() {
            return Ok(true);
        }
        // One statement for the batch, inserting only while the lease holds.
        let guard =
            "WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND attempts = $2 AND worker = $3)";
        if self.backend == Backend::Sqlite {
            // One statement is its own transaction, and readers poll: nothing to ring.
            let sql = stream_insert(events.len(), guard);
            let done = bind_stream(sqlx::query(&sql), lease, first_seq, events)
                .execute(&self.pool)
                .await
                .map_err(db("appending events"))?;
            return Ok(done.rows_affected() > 0);
        }
        let mut tx = self.pool.begin().await.map_err(db("appending events"))?;
        let sql = stream_insert(events.len(), guard);
        let done = bind_stream(sqlx::query(&sql), lease, first_seq, events)
            .execute(&mut *tx)
            .await
            .map_err(db("appending events"))?;
        if done.rows_affected() == 0 {
            tx.rollback().await.map_err(db("appending events"))?;
            return Ok(false);
        }
        self.ring(&mut tx, STREAM_CHANNEL, &lease.job_id).await?;
        tx.commit().await.map_err(db("appending events"))?;
        Ok(true)
    }

    /// Events inside a transaction that already holds the lease (`finish`), with the ring.
    pub(crate) async fn insert_stream(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        lease: &Lease,
        first_seq: i64,
        events: &[Arc<str>],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        // Statements of bounded size: a run with megabytes of output still writes in pieces.
        let mut first = 0;
        for count in batch_sizes(events) {
            let chunk = &events[first..first + count];
            // $3 (the worker) is bound for the shape shared with `append_stream`.
            let sql = stream_insert(chunk.len(), "WHERE $3 IS NOT NULL");
            bind_stream(sqlx::query(&sql), lease, first_seq + first as i64, chunk)
                .execute(&mut **tx)
                .await
                .map_err(db("appending events"))?;
            first += count;
        }
        self.ring(tx, STREAM_CHANNEL, &lease.job_id).await
    }

    /// Where a new attempt of a run continues its stream.
    pub async fn next_stream_seq(&self, job_id: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM run_stream WHERE job_id = $1",
        )
        .bind(job_id)
        .fetch_one(&self.reads)
        .await
        .map_err(db("reading a run's stream"))?;
        row.try_get::<i64, _>("next")
            .map_err(db("reading a run's stream"))
    }

    /// Events of a run from `from_seq` on, in order (at most `limit`).
    pub async fn stream_since(
        &self,
        job_id: &str,
        from_seq: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, event FROM run_stream WHERE job_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
        )
        .bind(job_id)
        .bind(from_seq)
        .bind(limit)
        .fetch_all(&self.reads)
        .await
        .map_err(db("reading a run's stream"))?;
        rows.iter()
            .map(|row| Ok((row.try_get("seq")?, row.try_get("event")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading a run's stream"))
    }

    /// Sends input to a run, wherever it executes.
    pub async fn push_input(&self, job_id: &str, input: &Input) -> Result<(), StoreError> {
        let data = match input {
            Input::Stdin(data) => data.as_str(),
            Input::Eof => "",
        };
        let mut tx = self.pool.begin().await.map_err(db("sending input"))?;
        sqlx::query("INSERT INTO run_input (job_id, kind, data) VALUES ($1, $2, $3)")
            .bind(job_id)
            .bind(input.kind())
            .bind(data)
            .execute(&mut *tx)
            .await
            .map_err(db("sending input"))?;
        self.ring(&mut tx, INPUT_CHANNEL, job_id).await?;
        tx.commit().await.map_err(db("sending input"))
    }

    /// Input for a run after the one numbered `after` (0: from the first), in order.
    pub async fn inputs_since(
        &self,
        job_id: &str,
        after: i64,
    ) -> Result<Vec<(i64, Input)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, data FROM run_input WHERE job_id = $1 AND id > $2 ORDER BY id",
        )
        .bind(job_id)
        .bind(after)
        .fetch_all(&self.reads)
        .await
        .map_err(db("reading input"))?;
        let mut inputs = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("id").map_err(db("reading input"))?;
            let kind: String = row.try_get("kind").map_err(db("reading input"))?;
            let input = match kind.as_str() {
                "eof" => Input::Eof,
                _ => Input::Stdin(row.try_get("data").map_err(db("reading input"))?),
            };
            inputs.push((id, input));
        }
        Ok(inputs)
    }

    /// Rings for the run's readers in other processes (PostgreSQL; SQLite's readers poll).
    pub(crate) async fn ring(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        channel: &str,
        job_id: &str,
    ) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(job_id)
                .execute(&mut **tx)
                .await
                .map_err(db("ringing the doorbell"))?;
        }
        Ok(())
    }

    /// Rings of the doorbell: a run id whose stream or input grew, or `EVERY_RUN`.
    pub fn doorbell(&self) -> broadcast::Receiver<Arc<str>> {
        self.doorbell
            .sender
            .get_or_init(|| {
                let (sender, _) = broadcast::channel(1024);
                let store = self.clone();
                let ringer = sender.clone();
                tokio::spawn(async move { store.listen(ringer).await });
                sender
            })
            .subscribe()
    }

    async fn listen(self, ringer: broadcast::Sender<Arc<str>>) {
        let every: Arc<str> = EVERY_RUN.into();
        if self.backend == Backend::Sqlite {
            loop {
                tokio::time::sleep(SQLITE_TICK).await;
                if ringer.receiver_count() > 0 {
                    let _ = ringer.send(every.clone());
                }
            }
        }
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect(self.url.expose()).await {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!("doorbell: connecting: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen_all([STREAM_CHANNEL, INPUT_CHANNEL]).await {
                tracing::warn!("doorbell: listening: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            // Whatever was appended while we were not listening: everyone re-reads.
            let _ = ringer.send(every.clone());
            loop {
                match listener.try_recv().await {
                    Ok(Some(notification)) => {
                        let _ = ringer.send(notification.payload().into());
                    }
                    // The connection was lost and is re-established: rings may be lost.
                    Ok(None) => {
                        let _ = ringer.send(every.clone());
                    }
                    Err(e) => {
                        tracing::warn!("doorbell: {e}");
                        let _ = ringer.send(every.clone());
                        break;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_bounded_in_rows_and_bytes_and_carry_at_least_one_event() {
        let small: Vec<Arc<str>> = (0..600).map(|_| "x".into()).collect();
        assert_eq!(batch_sizes(&small), [256, 256, 88]);
        let big: Arc<str> = "y".repeat(STREAM_BATCH_BYTES / 2 + 1).into();
        assert_eq!(batch_sizes(&[big.clone(), big.clone(), big]), [1, 1, 1]);
        let huge: Arc<str> = "z".repeat(STREAM_BATCH_BYTES * 3).into();
        assert_eq!(batch_sizes(&[huge, "a".into()]), [1, 1]);
        assert!(batch_sizes(&[]).is_empty());
    }
}
