//! `codecollab languages`: the catalogue with the toolchain found on this host for each.

use engine::Engine;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Debug, Serialize)]
struct Entry<'a> {
    id: &'a str,
    name: &'a str,
    aliases: &'a [String],
    extensions: &'a [String],
    version: Option<&'a str>,
    available: bool,
    reason: Option<&'a str>,
    build_tool: Option<&'a str>,
    runtime: &'a str,
}

pub fn run(engine: &Engine, json: bool) -> anyhow::Result<ExitCode> {
    let toolchains = engine.toolchains();
    let entries: Vec<Entry<'_>> = toolchains
        .iter()
        .map(|(language, toolchain)| Entry {
            id: &language.id,
            name: &language.name,
            aliases: &language.aliases,
            extensions: &language.extensions,
            version: toolchain.version.as_deref(),
            available: toolchain.available,
            reason: toolchain.reason.as_deref(),
            build_tool: language.build_tool.as_deref(),
            runtime: language.runtime_name(),
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    for entry in &entries {
        let version = entry.version.unwrap_or("-");
        let status = match entry.reason {
            Some(reason) if !entry.available => format!("unavailable: {reason}"),
            _ => "available".to_string(),
        };
        println!(
            "{:<12} {:<12} {:<10} {status}",
            entry.id, entry.name, version
        );
    }
    Ok(ExitCode::SUCCESS)
}
