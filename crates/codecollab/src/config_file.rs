//! `--config FILE` (or `CODECOLLAB_CONFIG`): a TOML file of options. Precedence, lowest first:
//! defaults, the file, `CODECOLLAB_*` environment variables, command-line flags. The file's
//! values are added as flags only where neither the command line nor the environment gives one.

use anyhow::{Context, bail};
use std::ffi::OsString;

/// TOML key, flag, environment variable, and the subcommands the flag belongs to (none: global).
type Key = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const SERVICE: &[&str] = &["serve", "worker"];
const SERVE: &[&str] = &["serve"];
/// What opens the database.
const DATABASE: &[&str] = &["serve", "worker", "admin"];
const LOCAL_DATABASE: &[&str] = &["serve", "admin"];

const KEYS: &[Key] = &[
    ("state_dir", "--state-dir", "CODECOLLAB_STATE_DIR", &[]),
    ("uid_base", "--uid-base", "CODECOLLAB_UID_BASE", &[]),
    (
        "interactive_wall_secs",
        "--interactive-wall-secs",
        "CODECOLLAB_INTERACTIVE_WALL_SECS",
        &[],
    ),
    ("cache_dir", "--cache-dir", "CODECOLLAB_CACHE_DIR", &[]),
    ("log_format", "--log-format", "CODECOLLAB_LOG_FORMAT", &[]),
    ("log_level", "--log-level", "CODECOLLAB_LOG_LEVEL", &[]),
    ("bind", "--bind", "CODECOLLAB_BIND", SERVICE),
    (
        "data_dir",
        "--data-dir",
        "CODECOLLAB_DATA_DIR",
        LOCAL_DATABASE,
    ),
    (
        "database_url",
        "--database-url",
        "CODECOLLAB_DATABASE_URL",
        DATABASE,
    ),
    ("workers", "--workers", "CODECOLLAB_WORKERS", SERVICE),
    ("max_queue", "--max-queue", "CODECOLLAB_MAX_QUEUE", SERVE),
    (
        "lease_secs",
        "--lease-secs",
        "CODECOLLAB_LEASE_SECS",
        SERVICE,
    ),
    (
        "retention_hours",
        "--retention-hours",
        "CODECOLLAB_RETENTION_HOURS",
        SERVICE,
    ),
    (
        "max_connections",
        "--max-connections",
        "CODECOLLAB_MAX_CONNECTIONS",
        SERVE,
    ),
    (
        "header_timeout_secs",
        "--header-timeout-secs",
        "CODECOLLAB_HEADER_TIMEOUT_SECS",
        SERVE,
    ),
    (
        "interactive_idle_secs",
        "--interactive-idle-secs",
        "CODECOLLAB_INTERACTIVE_IDLE_SECS",
        SERVICE,
    ),
    ("signup", "--signup", "CODECOLLAB_SIGNUP", SERVE),
    ("guests", "--guests", "CODECOLLAB_GUESTS", SERVE),
    (
        "anonymous_runs",
        "--anonymous-runs",
        "CODECOLLAB_ANONYMOUS_RUNS",
        SERVE,
    ),
    ("public_url", "--public-url", "CODECOLLAB_PUBLIC_URL", SERVE),
    (
        "session_idle_hours",
        "--session-idle-hours",
        "CODECOLLAB_SESSION_IDLE_HOURS",
        SERVE,
    ),
    (
        "session_lifetime_days",
        "--session-lifetime-days",
        "CODECOLLAB_SESSION_LIFETIME_DAYS",
        SERVE,
    ),
    (
        "login_attempts_per_minute",
        "--login-attempts-per-minute",
        "CODECOLLAB_LOGIN_ATTEMPTS_PER_MINUTE",
        SERVE,
    ),
    (
        "signups_per_hour",
        "--signups-per-hour",
        "CODECOLLAB_SIGNUPS_PER_HOUR",
        SERVE,
    ),
    (
        "runs_per_minute",
        "--runs-per-minute",
        "CODECOLLAB_RUNS_PER_MINUTE",
        SERVE,
    ),
    (
        "guest_runs_per_minute",
        "--guest-runs-per-minute",
        "CODECOLLAB_GUEST_RUNS_PER_MINUTE",
        SERVE,
    ),
    (
        "concurrent_runs",
        "--concurrent-runs",
        "CODECOLLAB_CONCURRENT_RUNS",
        SERVE,
    ),
    (
        "guest_concurrent_runs",
        "--guest-concurrent-runs",
        "CODECOLLAB_GUEST_CONCURRENT_RUNS",
        SERVE,
    ),
    (
        "oidc_issuer",
        "--oidc-issuer",
        "CODECOLLAB_OIDC_ISSUER",
        SERVE,
    ),
    (
        "oidc_client_id",
        "--oidc-client-id",
        "CODECOLLAB_OIDC_CLIENT_ID",
        SERVE,
    ),
    (
        "oidc_client_secret",
        "--oidc-client-secret",
        "CODECOLLAB_OIDC_CLIENT_SECRET",
        SERVE,
    ),
    ("oidc_name", "--oidc-name", "CODECOLLAB_OIDC_NAME", SERVE),
    (
        "oidc_audience",
        "--oidc-audience",
        "CODECOLLAB_OIDC_AUDIENCE",
        SERVE,
    ),
];

fn config_path(args: &[OsString]) -> Option<OsString> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return iter.next().cloned();
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(path.into());
        }
    }
    std::env::var_os("CODECOLLAB_CONFIG")
}

fn given_on_command_line(args: &[OsString], flag: &str) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| {
        let a = a.to_string_lossy();
        a == flag || a.starts_with(&format!("{flag}="))
    })
}

/// The command line with the config file's options added.
pub fn expand(args: Vec<OsString>) -> anyhow::Result<Vec<OsString>> {
    let Some(path) = config_path(&args) else {
        return Ok(args);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the config file {}", path.to_string_lossy()))?;
    let table: toml::Table = toml::from_str(&text)
        .with_context(|| format!("{} is not valid TOML", path.to_string_lossy()))?;
    // The subcommand: the first argument after the program that names one.
    let command = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .map(|a| a.to_string_lossy().into_owned())
        .find(|a| DATABASE.contains(&a.as_str()));
    let mut global = Vec::new();
    let mut own = Vec::new();
    for (key, value) in &table {
        let Some((_, flag, env, commands)) = KEYS.iter().find(|(k, ..)| k == key) else {
            let valid: Vec<&str> = KEYS.iter().map(|(k, ..)| *k).collect();
            bail!(
                "unknown key {key:?} in {}; valid keys: {}",
                path.to_string_lossy(),
                valid.join(", ")
            );
        };
        let value = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => bail!(
                "{key} in {} must be a string, an integer or a boolean, not a {}",
                path.to_string_lossy(),
                other.type_str()
            ),
        };
        let for_this_command =
            commands.is_empty() || command.as_deref().is_some_and(|c| commands.contains(&c));
        if given_on_command_line(&args, flag)
            || std::env::var_os(env).is_some()
            || !for_this_command
        {
            continue;
        }
        let target = if commands.is_empty() {
            &mut global
        } else {
            &mut own
        };
        target.push(OsString::from(*flag));
        target.push(OsString::from(value));
    }
    let mut expanded = Vec::with_capacity(args.len() + global.len() + own.len());
    let mut placed = false;
    for arg in args {
        let is_command = !placed && command.as_deref().is_some_and(|c| arg == c);
        expanded.push(arg);
        if is_command {
            expanded.append(&mut own);
            placed = true;
        }
    }
    // Global flags may stand anywhere before `--`: right after the program name is safe.
    expanded.splice(1..1, global);
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn file_values_fill_only_what_the_command_line_leaves_out() {
        let file =
            std::env::temp_dir().join(format!("codecollab-config-{}.toml", std::process::id()));
        std::fs::write(
            &file,
            "bind = \"0.0.0.0:9\"\nworkers = 3\ncache_dir = \"/tmp/c\"\n",
        )
        .expect("write");
        let path = file.to_string_lossy().into_owned();
        let out = expand(args(&[
            "codecollab",
            "--config",
            &path,
            "serve",
            "--workers",
            "5",
        ]))
        .expect("expand");
        let out: Vec<String> = out
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            out,
            [
                "codecollab",
                "--cache-dir",
                "/tmp/c",
                "--config",
                &path,
                "serve",
                "--bind",
                "0.0.0.0:9",
                "--workers",
                "5"
            ]
        );
        let _ = std::fs::remove_file(file);
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_valid_ones() {
        let file =
            std::env::temp_dir().join(format!("codecollab-config-bad-{}.toml", std::process::id()));
        std::fs::write(&file, "port = 8080\n").expect("write");
        let err = expand(args(&[
            "codecollab",
            "--config",
            &file.to_string_lossy(),
            "serve",
        ]))
        .expect_err("refused");
        assert!(err.to_string().contains("unknown key \"port\""), "{err}");
        assert!(err.to_string().contains("bind, data_dir"), "{err}");
        let _ = std::fs::remove_file(file);
    }
}
