//! `codecollab serve`: everything in one process — API, workers — on SQLite under a data dir
//! (or PostgreSQL with `--database-url`).

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CODECOLLAB_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Where the embedded SQLite database lives.
    #[arg(long, env = "CODECOLLAB_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// A PostgreSQL URL (cluster mode) instead of the embedded SQLite.
    #[arg(long, env = "CODECOLLAB_DATABASE_URL")]
    database_url: Option<String>,
    /// Runs executing at once (default: the number of cores; 0: an API replica of a cluster,
    /// whose runs execute on `codecollab worker` processes).
    #[arg(long, env = "CODECOLLAB_WORKERS")]
    workers: Option<usize>,
    /// Queued runs past which submissions are refused with 429.
    #[arg(long, env = "CODECOLLAB_MAX_QUEUE", default_value_t = 1000)]
    max_queue: i64,
    /// Seconds a running job's claim lasts without renewal (a dead worker's jobs come back after it).
    #[arg(long, env = "CODECOLLAB_LEASE_SECS", default_value_t = 30)]
    lease_secs: u64,
    /// Hours finished runs and their results are kept.
    #[arg(long, env = "CODECOLLAB_RETENTION_HOURS", default_value_t = 168)]
    retention_hours: u64,
    /// Seconds an interactive run may wait with neither input nor output before it ends.
    #[arg(long, env = "CODECOLLAB_INTERACTIVE_IDLE_SECS", default_value_t = 120)]
    interactive_idle_secs: u64,
    /// Connections open at once; past it a client gets 503 (default: half the descriptor limit).
    #[arg(long, env = "CODECOLLAB_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Seconds a client may take to send a request's headers (also the keep-alive idle limit).
    #[arg(long, env = "CODECOLLAB_HEADER_TIMEOUT_SECS", default_value_t = 15)]
    header_timeout_secs: u64,
    #[command(flatten)]
    accounts: AccountArgs,
}

/// Who may use the server, and how much.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Who may create an account: anyone (`open`), whoever has an admin's invitation
    /// (`invite`), or nobody but `codecollab admin create-user` (`closed`).
    #[arg(long, env = "CODECOLLAB_SIGNUP", default_value = "open", value_parser = ["open", "invite", "closed"])]
    signup: String,
    /// Offer "continue as guest" (an account with smaller quotas, claimable later).
    #[arg(long, env = "CODECOLLAB_GUESTS", default_value_t = true, action = clap::ArgAction::Set)]
    guests: bool,
    /// Let callers without credentials use the run APIs (Judge0 and Piston clients as they are).
    #[arg(long, env = "CODECOLLAB_ANONYMOUS_RUNS", default_value_t = true, action = clap::ArgAction::Set)]
    anonymous_runs: bool,
    /// The address users reach this server at; `https://…` makes the session cookie Secure
    /// and is the only origin state-changing requests may come from.
    #[arg(long, env = "CODECOLLAB_PUBLIC_URL")]
    public_url: Option<String>,
    /// Hours a session may go unused before it ends.
    #[arg(long, env = "CODECOLLAB_SESSION_IDLE_HOURS", default_value_t = 168)]
    session_idle_hours: u64,
    /// Days after sign-in a session ends, used or not.
    #[arg(long, env = "CODECOLLAB_SESSION_LIFETIME_DAYS", default_value_t = 30)]
    session_lifetime_days: u64,
    /// Sign-in attempts per minute from one IP address (a third of it per username); 0: no limit.
    #[arg(
        long,
        env = "CODECOLLAB_LOGIN_ATTEMPTS_PER_MINUTE",
        default_value_t = 30
    )]
    login_attempts_per_minute: u32,
    /// Sign-ups and new guests per hour from one IP address; 0: no limit.
    #[arg(long, env = "CODECOLLAB_SIGNUPS_PER_HOUR", default_value_t = 30)]
    signups_per_hour: u32,
    /// Runs per minute of one user (and of one anonymous IP address); 0: no limit.
    #[arg(long, env = "CODECOLLAB_RUNS_PER_MINUTE", default_value_t = 600)]
    runs_per_minute: u32,
    /// Runs per minute of one guest; 0: no limit.
    #[arg(long, env = "CODECOLLAB_GUEST_RUNS_PER_MINUTE", default_value_t = 60)]
    guest_runs_per_minute: u32,
    /// Runs queued or running at once of one user (and of one anonymous IP); 0: no limit.
    #[arg(long, env = "CODECOLLAB_CONCURRENT_RUNS", default_value_t = 50)]
    concurrent_runs: u32,
    /// Runs queued or running at once of one guest; 0: no limit.
    #[arg(long, env = "CODECOLLAB_GUEST_CONCURRENT_RUNS", default_value_t = 4)]
    guest_concurrent_runs: u32,
    /// Sign-in with this OpenID Connect provider (its issuer URL); needs --public-url, whose
    /// `/api/v1/auth/oidc/callback` is the redirect URI to register with the provider.
    #[arg(long, env = "CODECOLLAB_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret", "public_url"])]
    oidc_issuer: Option<String>,
    #[arg(long, env = "CODECOLLAB_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// Better given in the environment or the config file than on a command line.
    #[arg(long, env = "CODECOLLAB_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// The provider's name on the sign-in button.
    #[arg(long, env = "CODECOLLAB_OIDC_NAME", default_value = "OpenID Connect")]
    oidc_name: String,
    /// The audience (`aud`) the provider's JWT access tokens must carry (default: the client id).
    #[arg(long, env = "CODECOLLAB_OIDC_AUDIENCE")]
    oidc_audience: Option<String>,
}

impl AccountArgs {
    fn config(&self) -> anyhow::Result<server::auth::AuthConfig> {
        use server::auth::{AuthConfig, PerCaller, RateLimits, Signup};
        let signup = Signup::parse(&self.signup)
            .with_context(|| format!("--signup is open, invite or closed, not {}", self.signup))?;
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            anyhow::bail!("--public-url must start with http:// or https://, not {url:?}");
        }
        if self.session_idle_hours == 0 || self.session_lifetime_days == 0 {
            anyhow::bail!("--session-idle-hours and --session-lifetime-days must be positive");
        }
        let hours = |h: u64| std::time::Duration::from_secs(h.saturating_mul(3600));
        let oidc = match (
            &self.oidc_issuer,
            &self.oidc_client_id,
            &self.oidc_client_secret,
        ) {
            (Some(issuer), Some(client_id), Some(client_secret)) => {
                let public = self.public_url.as_deref().unwrap_or_default();
                Some(accounts::oidc::OidcConfig {
                    issuer: issuer.clone(),
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    name: self.oidc_name.clone(),
                    redirect_uri: format!(
                        "{}/api/v1/auth/oidc/callback",
                        public.trim_end_matches('/')
                    ),
                    audience: self
                        .oidc_audience
                        .clone()
                        .unwrap_or_else(|| client_id.clone()),
                })
            }
            (None, _, _) => None,
            _ => anyhow::bail!("--oidc-issuer needs --oidc-client-id and --oidc-client-secret"),
        };
        Ok(AuthConfig {
            signup,
            guests: self.guests,
            anonymous_runs: self.anonymous_runs,
            public_url: self.public_url.clone(),
            accounts: accounts::AccountsConfig {
                session_idle: hours(self.session_idle_hours),
                session_lifetime: hours(self.session_lifetime_days.saturating_mul(24)),
                oidc,
                ..Default::default()
            },
            limits: RateLimits {
                login_per_ip_per_minute: self.login_attempts_per_minute,
                login_per_username_per_minute: self.login_attempts_per_minute.div_ceil(3),
                signups_per_ip_per_hour: self.signups_per_hour,
                runs_per_minute: PerCaller {
                    user: self.runs_per_minute,
                    guest: self.guest_runs_per_minute,
                    anonymous: self.runs_per_minute,
                },
                concurrent_runs: PerCaller {
                    user: self.concurrent_runs,
                    guest: self.guest_concurrent_runs,
                    anonymous: self.concurrent_runs,
                },
            },
        })
    }
}

impl ServeArgs {
    /// `--workers 0`: this process answers the API and runs nothing.
    pub fn api_only(&self) -> bool {
        self.workers == Some(0)
    }
}

pub fn run(args: ServeArgs, engine: engine::Engine) -> anyhow::Result<ExitCode> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
            let path = args
                .data_dir
                .canonicalize()
                .context("data dir")?
                .join("codecollab.sqlite");
            format!("sqlite://{}", path.display())
        }
    };
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if args.lease_secs == 0 || args.max_queue <= 0 {
        anyhow::bail!("--lease-secs and --max-queue must be positive");
    }
    if workers == 0 && args.database_url.is_none() {
        anyhow::bail!(
            "--workers 0 is for an API replica of a cluster (with --database-url postgres://…): on SQLite nothing would run the jobs"
        );
    }
    let mut connections = server::ConnectionLimits::default();
    if let Some(max) = args.max_connections {
        connections.max_connections = max;
    }
    connections.header_read_timeout = std::time::Duration::from_secs(args.header_timeout_secs);
    if connections.max_connections == 0 || args.header_timeout_secs == 0 {
        anyhow::bail!("--max-connections and --header-timeout-secs must be positive");
    }
    let auth = args.accounts.config()?;
    let config = server::ServerConfig {
        auth,
        workers,
        connections,
        max_queue: args.max_queue,
        lease: std::time::Duration::from_secs(args.lease_secs),
        retention: std::time::Duration::from_secs(args.retention_hours.saturating_mul(3600)),
        interactive_idle: std::time::Duration::from_secs(args.interactive_idle_secs.max(1)),
        ..Default::default()
    };
    runtime()?.block_on(async move {
        let store = store::Store::connect(&url).await.with_context(|| {
            format!(
                "cannot open the database {}",
                crate::logging::redact_url(&url)
            )
        })?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let address = listener.local_addr()?;
        println!(
            "codecollab serving on http://{address} ({workers} workers, {:?} store)",
            store.backend()
        );
        tracing::info!(%address, workers, backend = ?store.backend(), "serving");
        let state = server::AppState::new(engine, store, config);
        server::serve(listener, state, shutdown_signal())
            .await
            .context("server")?;
        println!("codecollab stopped");
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")
}

pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async { match term.as_mut() { Some(s) => { s.recv().await; } None => std::future::pending().await } } => {}
    }
}
