//! The schema, per backend; every statement is idempotent so that start-up can always run it.

use crate::{Backend, StoreError};
use sqlx::AnyPool;

/// The tables, the same on both backends (types both understand).
const TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        client TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        request TEXT NOT NULL,
        result TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        worker TEXT,
        lease_until BIGINT,
        created_at BIGINT NOT NULL,
        started_at BIGINT,
        finished_at BIGINT,
        cancel_requested INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, priority, created_at)",
    // The whole event stream of a finished run, kept as long as the run (retention), so that a
    // client of any server process can replay it.
    "CREATE TABLE IF NOT EXISTS run_events (
        job_id TEXT PRIMARY KEY,
        events TEXT NOT NULL
    )",
    // The live events of running runs, by sequence number, for readers in any process.
    "CREATE TABLE IF NOT EXISTS run_stream (
        job_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
    )",
    // What the workers found on their hosts, for processes that run nothing themselves.
    "CREATE TABLE IF NOT EXISTS toolchains (
        language TEXT PRIMARY KEY,
        available INTEGER NOT NULL,
        version TEXT,
        reason TEXT,
        reported_at BIGINT NOT NULL
    )",
    // Shared code: the body is the JSON the UI saved; links to it never expire.
    "CREATE TABLE IF NOT EXISTS snippets (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    // People. `username` is kept lower-case (unique); a guest has no password until it claims
    // an account; an OIDC user is found by (issuer, subject).
    "CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        email TEXT,
        password_hash TEXT,
        is_admin INTEGER NOT NULL DEFAULT 0,
        is_guest INTEGER NOT NULL DEFAULT 0,
        disabled INTEGER NOT NULL DEFAULT 0,
        oidc_issuer TEXT,
        oidc_subject TEXT,
        created_at BIGINT NOT NULL
    )",
    "CREATE UNIQUE INDEX IF NOT EXISTS users_oidc ON users (oidc_issuer, oidc_subject)",
    // Sign-in sessions, by the SHA-256 of their secret (a stolen database holds no session).
    "CREATE TABLE IF NOT EXISTS sessions (
        id_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id)",
    // Personal API tokens, by the SHA-256 of their secret; `scopes` is space-separated.
    "CREATE TABLE IF NOT EXISTS api_tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        last_used_at BIGINT,
        revoked INTEGER NOT NULL DEFAULT 0
    )",
    "CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (user_id)",
    // Sign-up invitations (when sign-up is by invitation), by the SHA-256 of their code; each
    // is used once.
    "CREATE TABLE IF NOT EXISTS invites (
        code_hash TEXT PRIMARY KEY,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
    )",
    // OpenID Connect sign-ins under way: what the callback needs, by the SHA-256 of the
    // `state` the provider echoes (whichever replica the browser comes back to).
    "CREATE TABLE IF NOT EXISTS oidc_logins (
        state_hash TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        verifier TEXT NOT NULL,
        return_to TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
];

/// Input sent to running runs from any process, numbered by the database (the types of an
/// automatic key differ between the backends).
const SQLITE_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS run_input (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS run_input_job ON run_input (job_id, id)",
];
const POSTGRES_TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS run_input (
        id BIGSERIAL PRIMARY KEY,
        job_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS run_input_job ON run_input (job_id, id)",
];

/// Per-connection settings of SQLite: write-ahead log, so readers never wait for the writer.
const SQLITE_SETTINGS: &[&str] = &["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"];

/// Serializes schema changes between replicas starting at once: `CREATE … IF NOT EXISTS` is not
/// safe against itself on PostgreSQL (a unique-violation race in its catalogue).
const MIGRATION_LOCK: i64 = 0x636f_6465_636f_6c6c; // "codecoll"

pub(crate) async fn migrate(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    let err = |source| StoreError::Database {
        action: "migrating the schema",
        source,
    };
    let mut connection = pool.acquire().await.map_err(err)?;
    let settings: &[&str] = match backend {
        Backend::Sqlite => SQLITE_SETTINGS,
        Backend::Postgres => {
            sqlx::raw_sql(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(&mut *connection)
                .await
                .map_err(err)?;
            &[]
        }
    };
    let own_tables: &[&str] = match backend {
        Backend::Sqlite => SQLITE_TABLES,
        Backend::Postgres => POSTGRES_TABLES,
    };
    let mut result = Ok(());
    for statement in settings.iter().chain(TABLES).chain(own_tables) {
        if let Err(e) = sqlx::raw_sql(statement).execute(&mut *connection).await {
            result = Err(err(e));
            break;
        }
    }
    if result.is_ok() {
        result = add_missing_columns(&mut connection, backend)
            .await
            .map_err(err);
    }
    if backend == Backend::Postgres {
        sqlx::raw_sql(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .execute(&mut *connection)
            .await
            .map_err(err)?;
    }
    result
}

/// Columns added after a table first shipped, for databases created before them.
async fn add_missing_columns(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<(), sqlx::Error> {
    use sqlx::Row;
    const ADDED: &[(&str, &str, &str)] = &[
        ("jobs", "cancel_requested", "INTEGER NOT NULL DEFAULT 0"),
        // Who submitted the run (a user id); none for anonymous runs.
        ("jobs", "owner", "TEXT"),
        ("snippets", "owner", "TEXT"),
    ];
    for (table, column, definition) in ADDED {
        let present = match backend {
            Backend::Sqlite => {
                let row = sqlx::query(&format!(
                    "SELECT COUNT(*) AS n FROM pragma_table_info('{table}') WHERE name = $1"
                ))
                .bind(*column)
                .fetch_one(&mut *connection)
                .await?;
                row.try_get::<i64, _>("n")? > 0
            }
            // PostgreSQL says IF NOT EXISTS itself.
            Backend::Postgres => false,
        };
        if !present {
            let guard = if backend == Backend::Postgres {
                "IF NOT EXISTS "
            } else {
                ""
            };
            sqlx::raw_sql(&format!(
                "ALTER TABLE {table} ADD COLUMN {guard}{column} {definition}"
            ))
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}
