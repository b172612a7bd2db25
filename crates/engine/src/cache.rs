//! The compile cache: artifacts of a successful compile, keyed by a hash of everything that
//! decides them (language, toolchain version, compile command, every source file), bounded on
//! disk with least-recently-used eviction.

use sandbox::FileEntry;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct CompileCache {
    dir: PathBuf,
    max_bytes: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    files: Vec<ManifestEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestEntry {
    path: String,
    executable: bool,
}

/// The cache key: unambiguous (every part is length-prefixed) and collision-resistant.
pub fn key(
    language: &str,
    toolchain_version: &str,
    command: &[String],
    files: &[(&str, &str)],
) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(b"codecollab-compile-v1");
    part(language.as_bytes());
    part(toolchain_version.as_bytes());
    for arg in command {
        part(arg.as_bytes());
    }
    let mut files = files.to_vec();
    files.sort_unstable();
    for (name, content) in files {
        part(name.as_bytes());
        part(content.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl CompileCache {
    pub fn new(dir: PathBuf, max_bytes: u64) -> io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(CompileCache { dir, max_bytes })
    }

    fn entry_dir(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    /// The artifacts stored under `key`, if any (and marks the entry as recently used).
    pub fn get(&self, key: &str) -> Option<Vec<FileEntry>> {
        let dir = self.entry_dir(key);
        let manifest: Manifest =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).ok()?).ok()?;
        let mut files = Vec::with_capacity(manifest.files.len());
        for (index, entry) in manifest.files.into_iter().enumerate() {
            let content = std::fs::read(dir.join(format!("{index}.bin"))).ok()?;
            files.push(FileEntry {
                path: entry.path,
                content,
                executable: entry.executable,
            });
        }
        let _ = std::fs::File::open(dir.join("manifest.json"))
            .and_then(|f| f.set_modified(std::time::SystemTime::now()));
        Some(files)
    }

    /// Stores artifacts atomically (written aside, then renamed), then evicts past the bound.
    pub fn put(&self, key: &str, files: &[FileEntry]) -> io::Result<()> {
        let size: u64 = files.iter().map(|f| f.content.len() as u64).sum();
        if size > self.max_bytes / 4 {
            return Ok(()); // one entry may not push out most of the cache
        }
        let staging = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        let mut manifest = Manifest {
            files: Vec::with_capacity(files.len()),
        };
        for (index, file) in files.iter().enumerate() {
            std::fs::write(staging.join(format!("{index}.bin")), &file.content)?;
            manifest.files.push(ManifestEntry {
                path: file.path.clone(),
                executable: file.executable,
            });
        }
        std::fs::write(
            staging.join("manifest.json"),
            serde_json::to_vec(&manifest)?,
        )?;
        match std::fs::rename(&staging, self.entry_dir(key)) {
            Ok(()) => {}
            // Another worker stored the same key first: theirs is as good as ours.
            Err(_) => std::fs::remove_dir_all(&staging)?,
        }
        self.evict()
    }

    /// Removes least recently used entries until the cache fits its bound.
    fn evict(&self) -> io::Result<()> {
        let mut entries = Vec::new();
        let mut total = 0;
        for entry in std::fs::read_dir(&self.dir)?.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let size = dir_size(&entry.path());
            let used = std::fs::metadata(entry.path().join("manifest.json"))
                .and_then(|m| m.modified())
                .ok();
            total += size;
            entries.push((used, size, entry.path()));
        }
        entries.sort_by_key(|(used, _, _)| *used);
        for (_, size, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            std::fs::remove_dir_all(&path)?;
            total -= size;
        }
        Ok(())
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("codecollab-cache-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn file(path: &str, bytes: usize) -> FileEntry {
        FileEntry {
            path: path.into(),
            content: vec![7; bytes],
            executable: true,
        }
    }

    #[test]
    fn keys_change_with_any_input_and_not_with_file_order() {
        let cmd = vec!["gcc".to_string()];
        let base = key("c", "12.2", &cmd, &[("a.c", "x"), ("b.c", "y")]);
        assert_eq!(base, key("c", "12.2", &cmd, &[("b.c", "y"), ("a.c", "x")]));
        assert_ne!(base, key("c", "12.3", &cmd, &[("a.c", "x"), ("b.c", "y")]));
        assert_ne!(
            base,
            key("cpp", "12.2", &cmd, &[("a.c", "x"), ("b.c", "y")])
        );
        assert_ne!(
            base,
            key("c", "12.2", &cmd, &[("a.c", "xb.c"), ("", "y")]),
            "parts are length-prefixed"
        );
        assert_ne!(
            base,
            key(
                "c",
                "12.2",
                &["gcc".into(), "-O2".into()],
                &[("a.c", "x"), ("b.c", "y")]
            )
        );
    }

    #[test]
    fn artifacts_round_trip_and_old_entries_are_evicted_past_the_bound() {
        let dir = temp_dir("evict");
        let cache = CompileCache::new(dir.clone(), 4000).expect("cache");
        cache.put("old", &[file("main", 900)]).expect("put");
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache
            .put("mid", &[file("main", 900), file("lib/x.o", 10)])
            .expect("put");
        let back = cache.get("mid").expect("hit");
        assert_eq!(back, [file("main", 900), file("lib/x.o", 10)]);
        std::thread::sleep(std::time::Duration::from_millis(20));
        for i in 0..4 {
            cache
                .put(&format!("new{i}"), &[file("main", 900)])
                .expect("put");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            cache.get("old").is_none(),
            "the least recently used entry is evicted first"
        );
        assert!(cache.get("new3").is_some());
        let _ = std::fs::remove_dir_all(dir);
    }
}
