//! The language catalogue: one data file (`catalogue.toml`) describing how to compile, run and
//! identify each language. No code per language; adding one is a data change.

use serde::Deserialize;
use std::collections::BTreeMap;

const CATALOGUE: &str = include_str!("catalogue.toml");

/// Floors a language puts under the run's limits: runtimes with many threads (the JVM, the
/// BEAM) and compilers need more than a small script.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitFloors {
    pub processes: Option<u32>,
    pub memory_mib: Option<u64>,
    pub cpu_seconds: Option<u64>,
    pub compile_cpu_seconds: Option<u64>,
    pub compile_wall_seconds: Option<u64>,
}

/// One language of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Extensions that identify the language's files (without the dot).
    pub extensions: Vec<String>,
    /// The files that `{sources}` expands to; defaults to `extensions`.
    #[serde(default)]
    pub source_extensions: Option<Vec<String>>,
    /// The entry file's conventional name, when a request does not say which file is the entry.
    pub main_file: String,
    #[serde(default)]
    pub compile: Option<Vec<String>>,
    pub run: Vec<String>,
    /// Prints the toolchain's version; the first `N.N[.N]` in its output is the version.
    pub version: Vec<String>,
    #[serde(default)]
    pub build_tool: Option<String>,
    /// The runtime that runs the program, when it is not the language's own name (Node.js, Mono).
    #[serde(default)]
    pub runtime: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub limits: LimitFloors,
    /// Starts of lines the toolchain prints about itself while compiling (a JVM's deprecation
    /// warning about its own launcher's options): ours, not the user's, so never shown.
    #[serde(default)]
    pub quiet: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LanguagesError {
    #[error("the language catalogue is invalid: {0}")]
    Catalogue(String),
    #[error("unknown language {given:?}; valid ids: {valid}")]
    Unknown { given: String, valid: String },
    #[error("no language uses the extension of {file:?}; give the language explicitly")]
    UnknownExtension { file: String },
}

#[derive(Debug, Deserialize)]
struct CatalogueFile {
    language: Vec<Language>,
}

/// The whole catalogue, in file order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    languages: Vec<Language>,
}

impl Catalogue {
    /// The catalogue built into the binary.
    pub fn builtin() -> Result<Self, LanguagesError> {
        Self::parse(CATALOGUE)
    }

    pub fn parse(text: &str) -> Result<Self, LanguagesError> {
        let file: CatalogueFile =
            toml::from_str(text).map_err(|e| LanguagesError::Catalogue(e.to_string()))?;
        let catalogue = Catalogue {
            languages: file.language,
        };
        catalogue.check()?;
        Ok(catalogue)
    }

    /// Ids and aliases are unique, and every language can be run.
    fn check(&self) -> Result<(), LanguagesError> {
        let mut names = std::collections::HashSet::new();
        for language in &self.languages {
            for name in std::iter::once(&language.id).chain(&language.aliases) {
                if !names.insert(name.to_lowercase()) {
                    return Err(LanguagesError::Catalogue(format!(
                        "{name:?} names two languages"
                    )));
                }
            }
            if language.run.is_empty()
                || language.version.is_empty()
                || language.extensions.is_empty()
            {
                return Err(LanguagesError::Catalogue(format!(
                    "{} lacks run, version or extensions",
                    language.id
                )));
            }
        }
        Ok(())
    }

    pub fn all(&self) -> &[Language] {
        &self.languages
    }

    pub fn ids(&self) -> Vec<&str> {
        self.languages.iter().map(|l| l.id.as_str()).collect()
    }

    /// Finds a language by id or alias, case-insensitively.
    pub fn get(&self, name: &str) -> Result<&Language, LanguagesError> {
        let wanted = name.trim().to_lowercase();
        self.languages
            .iter()
            .find(|l| l.id == wanted || l.aliases.iter().any(|a| a.to_lowercase() == wanted))
            .ok_or_else(|| LanguagesError::Unknown {
                given: name.to_string(),
                valid: self.ids().join(", "),
            })
    }

    /// The language a file name belongs to, by extension (first match in catalogue order).
    pub fn for_file(&self, file: &str) -> Result<&Language, LanguagesError> {
        let extension = file.rsplit_once('.').map(|(_, ext)| ext.to_lowercase());
        extension
            .and_then(|ext| self.languages.iter().find(|l| l.extensions.contains(&ext)))
            .ok_or_else(|| LanguagesError::UnknownExtension {
                file: file.to_string(),
            })
    }
}

impl Language {
    fn is_source(&self, file: &str) -> bool {
        let extensions = self.source_extensions.as_ref().unwrap_or(&self.extensions);
        file.rsplit_once('.')
            .is_some_and(|(_, ext)| extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)))
    }

    /// Expands a command template for an entry file and the run's files.
    pub fn expand(&self, template: &[String], main: &str, files: &[&str]) -> Vec<String> {
        let stem = main.rsplit_once('.').map_or(main, |(stem, _)| stem);
        let mut argv = Vec::with_capacity(template.len() + files.len());
        for part in template {
            if part == "{sources}" {
                let mut sources: Vec<&str> = files
                    .iter()
                    .copied()
                    .filter(|f| self.is_source(f))
                    .collect();
                sources.sort_unstable();
                argv.extend(sources.into_iter().map(String::from));
            } else {
                argv.push(part.replace("{main_stem}", stem).replace("{main}", main));
            }
        }
        argv
    }

    /// The display name of what runs the program: "Node.js", "Mono", or the language's name.
    pub fn runtime_name(&self) -> &str {
        self.runtime.as_deref().unwrap_or(&self.name)
    }
}

/// The first `N.N` or `N.N.N` in a version command's output.
pub fn parse_version(output: &str) -> Option<String> {
    output
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find_map(|token| {
            let token = token.trim_matches('.');
            let parts: Vec<&str> = token.split('.').collect();
            (parts.len() >= 2 && parts.iter().all(|p| !p.is_empty())).then(|| token.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_has_every_language_of_the_product() {
        let catalogue = Catalogue::builtin().expect("catalogue parses");
        let ids = catalogue.ids();
        for id in [
            "javascript",
            "typescript",
            "python",
            "elixir",
            "go",
            "java",
            "csharp",
            "ruby",
            "rust",
            "kotlin",
            "scala",
            "c",
            "cpp",
            "swift",
            "bash",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
    }

    #[test]
    fn languages_are_found_by_id_alias_and_extension() {
        let catalogue = Catalogue::builtin().expect("catalogue");
        assert_eq!(catalogue.get("py").expect("alias").id, "python");
        assert_eq!(catalogue.get("C++").expect("alias").id, "cpp");
        assert_eq!(catalogue.for_file("Main.java").expect("ext").id, "java");
        assert_eq!(catalogue.for_file("hello.KT").expect("ext").id, "kotlin");
        assert_eq!(catalogue.for_file("x.h").expect("ext").id, "c");
    }

    #[test]
    fn an_unknown_language_lists_the_valid_ids() {
        let catalogue = Catalogue::builtin().expect("catalogue");
        let err = catalogue.get("cobol").expect_err("unknown").to_string();
        assert!(
            err.starts_with("unknown language \"cobol\"; valid ids: bash, javascript"),
            "{err}"
        );
        assert!(catalogue.for_file("notes.txt").is_err());
    }

    #[test]
    fn templates_expand_main_stem_and_sources_without_headers() {
        let catalogue = Catalogue::builtin().expect("catalogue");
        let c = catalogue.get("c").expect("c");
        let compile = c.compile.as_ref().expect("compile");
        let argv = c.expand(compile, "main.c", &["util.h", "util.c", "main.c"]);
        assert_eq!(
            argv,
            [
                "gcc", "-O2", "-std=c17", "-Wall", "-o", "main", "main.c", "util.c", "-lm"
            ]
        );
        let java = catalogue.get("java").expect("java");
        assert_eq!(
            java.expand(&java.run, "Main.java", &[])
                .last()
                .map(String::as_str),
            Some("Main")
        );
    }

    #[test]
    fn versions_are_read_from_tool_output() {
        let check = |output: &str, expect: Option<&str>| {
            assert_eq!(parse_version(output).as_deref(), expect, "{output}")
        };
        check("Python 3.11.2", Some("3.11.2"));
        check("go version go1.19.8 linux/amd64", Some("1.19.8"));
        check("openjdk version \"17.0.15\" 2025-04-15", Some("17.0.15"));
        check("v20.20.2", Some("20.20.2"));
        check("info: kotlinc-jvm 1.3.31 (JRE 17.0.15+6)", Some("1.3.31"));
        check("no digits here", None);
    }

    #[test]
    fn duplicate_names_are_refused() {
        let text = r#"
[[language]]
id = "a"
aliases = ["x"]
name = "A"
extensions = ["a"]
main_file = "a.a"
run = ["a"]
version = ["a"]
[[language]]
id = "x"
name = "X"
extensions = ["x"]
main_file = "x.x"
run = ["x"]
version = ["x"]
"#;
        assert!(Catalogue::parse(text).is_err());
    }
}
