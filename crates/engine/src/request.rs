//! A run request and its validation: what a user may ask for, checked before anything runs.

use crate::EngineError;
use model::Limits;
use std::collections::HashSet;

/// Most files one request may carry.
pub const MAX_FILES: usize = 64;
/// Most bytes of source one request may carry, all files together.
pub const MAX_SOURCE_BYTES: usize = 4 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// A relative path: nested directories are allowed, `..` and absolute paths are not.
    pub name: String,
    pub content: String,
}

/// Where the program's stdin comes from.
#[derive(Debug, Default)]
pub enum RunInput {
    #[default]
    Empty,
    Bytes(Vec<u8>),
    /// What the caller queues while the program runs (interactive programs).
    Live(sandbox::StdinFeed),
}

#[derive(Debug, Default)]
pub struct RunRequest {
    /// A language id or alias of the catalogue.
    pub language: String,
    pub files: Vec<SourceFile>,
    /// The entry file; defaults to the language's main file if present, else the first file.
    pub entry: Option<String>,
    pub stdin: RunInput,
    pub args: Vec<String>,
    /// Limits of the compile stage; `None` takes the defaults for compiling.
    pub compile_limits: Option<Limits>,
    /// Limits of the run stage; `None` takes the language's defaults (`Engine::default_limits`).
    pub run_limits: Option<Limits>,
    /// Set it to stop the execution, whichever stage it is in.
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// A person feeds the program while it runs (its stdin is or will be `Live`): its wall
    /// limit may reach the interactive ceiling, `Engine::max_limits_for`.
    pub interactive: bool,
}

impl RunRequest {
    pub fn is_interactive(&self) -> bool {
        self.interactive || matches!(self.stdin, RunInput::Live(_))
    }
}

/// Default limits of a compile: compilers need more time and memory than a small program.
pub fn default_compile_limits() -> Limits {
    Limits {
        cpu_time_ms: 20_000,
        wall_time_ms: 40_000,
        memory_kib: 1024 * 1024,
        processes: 64,
        ..Limits::default()
    }
}

/// Checks names, sizes and the entry; returns the entry file's name.
pub(crate) fn validate(request: &RunRequest, main_file: &str) -> Result<String, EngineError> {
    let invalid = |reason: String| EngineError::InvalidRequest { reason };
    if request.files.is_empty() {
        return Err(invalid(
            "no files: a run needs at least one source file".into(),
        ));
    }
    if request.files.len() > MAX_FILES {
        return Err(invalid(format!(
            "{} files: at most {MAX_FILES} are allowed",
            request.files.len()
        )));
    }
    let total: usize = request.files.iter().map(|f| f.content.len()).sum();
    if total > MAX_SOURCE_BYTES {
        return Err(invalid(format!(
            "{total} bytes of source: at most {MAX_SOURCE_BYTES} are allowed"
        )));
    }
    let mut seen = HashSet::new();
    let mut dirs = HashSet::new();
    for file in &request.files {
        sandbox::validate_relative(&file.name).map_err(|e| invalid(e.to_string()))?;
        if !seen.insert(file.name.as_str()) {
            return Err(invalid(format!("file {:?} is given twice", file.name)));
        }
        dirs.extend(file.name.match_indices('/').map(|(i, _)| &file.name[..i]));
    }
    if let Some(both) = request
        .files
        .iter()
        .find(|f| dirs.contains(f.name.as_str()))
    {
        return Err(invalid(format!(
            "{:?} is given as a file and as a directory of other files",
            both.name
        )));
    }
    let entry = match &request.entry {
        Some(entry) if seen.contains(entry.as_str()) => entry.clone(),
        Some(entry) => {
            return Err(invalid(format!(
                "entry file {entry:?} is not among the files"
            )));
        }
        None if seen.contains(main_file) => main_file.to_string(),
        None => request.files[0].name.clone(),
    };
    for arg in &request.args {
        if arg.contains('\0') {
            return Err(invalid("an argument contains a NUL byte".into()));
        }
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(names: &[&str]) -> RunRequest {
        RunRequest {
            language: "python".into(),
            files: names
                .iter()
                .map(|n| SourceFile {
                    name: n.to_string(),
                    content: "x".into(),
                })
                .collect(),
            ..RunRequest::default()
        }
    }

    #[test]
    fn the_entry_is_the_main_file_else_the_first() {
        assert_eq!(
            validate(&request(&["util.py", "main.py"]), "main.py").expect("ok"),
            "main.py"
        );
        assert_eq!(
            validate(&request(&["app.py", "util.py"]), "main.py").expect("ok"),
            "app.py"
        );
        let mut explicit = request(&["a.py", "b.py"]);
        explicit.entry = Some("b.py".into());
        assert_eq!(validate(&explicit, "main.py").expect("ok"), "b.py");
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let check = |request: RunRequest, needle: &str| {
            let err = validate(&request, "main.py")
                .expect_err("refused")
                .to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        };
        check(request(&[]), "no files");
        check(request(&["../etc/passwd"]), "'..' is not allowed");
        check(request(&["/abs.py"]), "absolute");
        check(request(&["a.py", "a.py"]), "given twice");
        check(
            request(&["lib", "lib/util.py"]),
            "as a file and as a directory",
        );
        check(
            request(&["a/b/c.py", "a/b"]),
            "as a file and as a directory",
        );
        let long = format!("{}.py", "n".repeat(253));
        check(request(&[long.as_str()]), "longer than 255 bytes");
        let deep = format!("{}main.py", "d/".repeat(32));
        check(request(&[deep.as_str()]), "deeper than 32");
        let fine = format!("{}main.py", "d/".repeat(31));
        assert!(validate(&request(&[fine.as_str(), "d/x.py"]), "main.py").is_ok());
        let mut missing_entry = request(&["a.py"]);
        missing_entry.entry = Some("b.py".into());
        check(missing_entry, "not among the files");
        let many: Vec<String> = (0..=MAX_FILES).map(|i| format!("f{i}.py")).collect();
        check(
            request(&many.iter().map(String::as_str).collect::<Vec<_>>()),
            "at most 64",
        );
        let mut big = request(&["main.py"]);
        big.files[0].content = "x".repeat(MAX_SOURCE_BYTES + 1);
        check(big, "bytes of source");
    }
}
