//! `codecollab admin`: what an operator does to the database directly (the first admin of a
//! server whose sign-up is closed, say).

use anyhow::Context;
use clap::{Args, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Where the embedded SQLite database lives (as for `serve`).
    #[arg(long, env = "CODECOLLAB_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// A PostgreSQL URL instead of the embedded SQLite.
    #[arg(long, env = "CODECOLLAB_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user; the password is read from the first line of stdin (never from a flag,
    /// which other users of the host could read in the process list).
    CreateUser {
        name: String,
        /// Make the user an admin (the first user of an install is one anyway).
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        email: Option<String>,
    },
}

pub fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::create_dir_all(&args.data_dir)
                .with_context(|| format!("cannot create {}", args.data_dir.display()))?;
            let path = args.data_dir.canonicalize()?.join("codecollab.sqlite");
            format!("sqlite://{}", path.display())
        }
    };
    match args.command {
        AdminCommand::CreateUser { name, admin, email } => {
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.is_empty() {
                anyhow::bail!(
                    "give the password on stdin, e.g. `printf '%s\\n' \"$PASSWORD\" | codecollab admin create-user {name}`"
                );
            }
            crate::serve_cmd::runtime()?.block_on(async {
                let store = store::Store::connect(&url).await.with_context(|| {
                    format!(
                        "cannot open the database {}",
                        crate::logging::redact_url(&url)
                    )
                })?;
                let accounts = accounts::Accounts::new(store, accounts::AccountsConfig::default());
                match accounts
                    .create_user(&name, password, email.as_deref(), admin)
                    .await
                {
                    Ok(user) => {
                        let role = if user.is_admin { "admin" } else { "user" };
                        println!("created {role} {} (id {})", user.username, user.id);
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(e @ accounts::AccountError::Store(_))
                    | Err(e @ accounts::AccountError::Internal(_)) => Err(e.into()),
                    Err(e) => {
                        eprintln!("codecollab: cannot create {name:?}: {e}");
                        Ok(ExitCode::from(1))
                    }
                }
            })
        }
    }
}
