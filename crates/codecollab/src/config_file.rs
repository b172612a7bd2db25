//! `--config FILE` (or `CODECOLLAB_CONFIG`): a TOML file of options. Precedence, lowest first:
//! defaults, the file, `CODECOLLAB_*` environment variables, command-line flags. The file's
//! values are added as flags only where neither the command line nor the environment gives one.

use anyhow::{Context, bail};
use std::ffi::OsString;

/// TOML key, flag, environment variable, and whether the flag belongs to `serve` only.
const KEYS: &[(&str, &str, &str, bool)] = &[
    ("state_dir", "--state-dir", "CODECOLLAB_STATE_DIR", false),
    ("uid_base", "--uid-base", "CODECOLLAB_UID_BASE", false),
    ("cache_dir", "--cache-dir", "CODECOLLAB_CACHE_DIR", false),
    ("log_format", "--log-format", "CODECOLLAB_LOG_FORMAT", false),
    ("log_level", "--log-level", "CODECOLLAB_LOG_LEVEL", false),
    ("bind", "--bind", "CODECOLLAB_BIND", true),
    ("data_dir", "--data-dir", "CODECOLLAB_DATA_DIR", true),
    (
        "database_url",
        "--database-url",
        "CODECOLLAB_DATABASE_URL",
        true,
    ),
    ("workers", "--workers", "CODECOLLAB_WORKERS", true),
    ("max_queue", "--max-queue", "CODECOLLAB_MAX_QUEUE", true),
    ("lease_secs", "--lease-secs", "CODECOLLAB_LEASE_SECS", true),
    (
        "retention_hours",
        "--retention-hours",
        "CODECOLLAB_RETENTION_HOURS",
        true,
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
    let serving = args.iter().any(|a| a == "serve");
    let mut global = Vec::new();
    let mut serve = Vec::new();
    for (key, value) in &table {
        let Some((_, flag, env, serve_only)) = KEYS.iter().find(|(k, ..)| k == key) else {
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
            other => bail!(
                "{key} in {} must be a string or an integer, not a {}",
                path.to_string_lossy(),
                other.type_str()
            ),
        };
        if given_on_command_line(&args, flag)
            || std::env::var_os(env).is_some()
            || (*serve_only && !serving)
        {
            continue;
        }
        let target = if *serve_only { &mut serve } else { &mut global };
        target.push(OsString::from(*flag));
        target.push(OsString::from(value));
    }
    let mut expanded = Vec::with_capacity(args.len() + global.len() + serve.len());
    for arg in args {
        let is_serve = arg == "serve";
        expanded.push(arg);
        if is_serve {
            expanded.append(&mut serve);
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
