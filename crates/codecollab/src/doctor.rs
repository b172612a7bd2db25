//! `codecollab doctor`: prints what this host supports and how to fix what is missing.

use sandbox::{CheckStatus, SandboxConfig, inspect_host};
use std::process::ExitCode;

pub fn run(config: &SandboxConfig) -> ExitCode {
    let checks = inspect_host(config);
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for check in &checks {
        let status = match check.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Degraded => "DEGRADED",
            CheckStatus::Missing => "MISSING",
        };
        println!("{status:<9} {:<width$}  {}", check.name, check.detail);
        if let Some(fix) = &check.fix {
            println!("{:<9} {:<width$}  fix: {fix}", "", "");
        }
    }
    let missing = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Missing)
        .count();
    let degraded = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Degraded)
        .count();
    if missing > 0 {
        println!("\nthe sandbox cannot run on this host: {missing} requirement(s) missing");
        ExitCode::FAILURE
    } else {
        println!(
            "\nthe sandbox works here{}",
            if degraded > 0 {
                format!(" ({degraded} degraded)")
            } else {
                String::new()
            }
        );
        ExitCode::SUCCESS
    }
}
