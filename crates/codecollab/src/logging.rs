//! Logs: human lines on a terminal, JSON lines otherwise (what a log collector reads), on
//! stderr. `--log-format` and `--log-level` override the choice.

use clap::ValueEnum;
use std::io::IsTerminal;
use tracing::level_filters::LevelFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Text on a terminal, JSON otherwise.
    Auto,
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for LevelFilter {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

pub fn init(format: LogFormat, level: LogLevel) {
    let terminal = std::io::stderr().is_terminal();
    let json = match format {
        LogFormat::Auto => !terminal,
        LogFormat::Text => false,
        LogFormat::Json => true,
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(LevelFilter::from(level))
        .with_target(false);
    // A second init (tests in one process) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init()
    } else {
        builder.with_ansi(terminal).try_init()
    };
}

/// A database URL fit for a message: the password replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn a_database_password_never_reaches_a_message() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db:5432/codecollab?sslmode=require"),
            "postgres://app:***@db:5432/codecollab?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://app@db/codecollab"),
            "postgres://app@db/codecollab"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/codecollab/db.sqlite"),
            "sqlite:///var/lib/codecollab/db.sqlite"
        );
        assert!(!redact_url("postgres://u:p@ss@h/d").contains("p@ss"));
    }
}
