//! What outlives a run's process: shared snippets, the toolchains workers reported, and the
//! recorded event streams of runs finished before live streams existed (read for those; a
//! run's live stream is now its one record).

use crate::{Store, StoreError, db};
use sqlx::Row;

/// Code someone shared: `body` is the JSON document the API accepted (language, files, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub id: String,
    pub body: String,
    pub created_at_ms: i64,
    /// Who shared it (a user id); none when shared anonymously.
    pub owner: Option<String>,
}

impl Store {
    pub async fn events(&self, job_id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT events FROM run_events WHERE job_id = $1")
            .bind(job_id)
            .fetch_optional(&self.reads)
            .await
            .map_err(db("reading a run's events"))?;
        row.map(|r| r.try_get::<String, _>("events"))
            .transpose()
            .map_err(db("reading a run's events"))
    }

    /// Saves a snippet; `false` when the id is taken (the caller draws another).
    pub async fn insert_snippet(&self, snippet: &Snippet) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO snippets (id, body, created_at, owner) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&snippet.id)
        .bind(&snippet.body)
        .bind(snippet.created_at_ms)
        .bind(&snippet.owner)
        .execute(&self.pool)
        .await
        .map_err(db("saving a snippet"))?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn snippet(&self, id: &str) -> Result<Option<Snippet>, StoreError> {
        let row = sqlx::query("SELECT id, body, created_at, owner FROM snippets WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reads)
            .await
            .map_err(db("reading a snippet"))?;
        let Some(row) = row else { return Ok(None) };
        let read = || -> Result<Snippet, sqlx::Error> {
            Ok(Snippet {
                id: row.try_get("id")?,
                body: row.try_get("body")?,
                created_at_ms: row.try_get("created_at")?,
                owner: row.try_get("owner")?,
            })
        };
        read().map(Some).map_err(db("reading a snippet"))
    }
}

/// A language's toolchain as a worker found it on its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedToolchain {
    pub language: String,
    pub available: bool,
    pub version: Option<String>,
    pub reason: Option<String>,
    pub reported_at_ms: i64,
}

impl Store {
    /// Records what a worker detected (the last report of a language wins), so that processes
    /// without a sandbox (API replicas) can tell which languages the cluster runs.
    pub async fn report_toolchains(&self, reports: &[ReportedToolchain]) -> Result<(), StoreError> {
        for report in reports {
            sqlx::query(
                "INSERT INTO toolchains (language, available, version, reason, reported_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (language) DO UPDATE SET \
                 available = excluded.available, version = excluded.version, \
                 reason = excluded.reason, reported_at = excluded.reported_at",
            )
            .bind(&report.language)
            .bind(i32::from(report.available))
            .bind(&report.version)
            .bind(&report.reason)
            .bind(report.reported_at_ms)
            .execute(&self.pool)
            .await
            .map_err(db("reporting toolchains"))?;
        }
        Ok(())
    }

    pub async fn reported_toolchains(&self) -> Result<Vec<ReportedToolchain>, StoreError> {
        let rows =
            sqlx::query("SELECT language, available, version, reason, reported_at FROM toolchains")
                .fetch_all(&self.reads)
                .await
                .map_err(db("reading toolchains"))?;
        rows.iter()
            .map(|row| {
                Ok(ReportedToolchain {
                    language: row.try_get("language")?,
                    available: row.try_get::<i32, _>("available")? != 0,
                    version: row.try_get("version")?,
                    reason: row.try_get("reason")?,
                    reported_at_ms: row.try_get("reported_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading toolchains"))
    }
}
