//! The run's writable work dir: a size-capped tmpfs on the host side, bound at `/work` inside.
//!
//! The host stages files in before a run and reads results after it, when the sandboxed
//! program may have planted symlinks anywhere in it. Every host-side access therefore resolves
//! beneath the work dir's fd with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, and cleanup
//! is an unmount — it never walks, chowns or deletes a path the program could have touched
//! (the Judge0 CVE-2024-28185 class).

use crate::SandboxError;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Component, Path, PathBuf};

/// A file read out of (or to be written into) a work dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub content: Vec<u8>,
    pub executable: bool,
}

struct Budget {
    files: usize,
    bytes: u64,
}

#[derive(Debug)]
pub struct WorkDir {
    path: PathBuf,
    dir: File,
    owner: u32,
}

#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

const RESOLVE_NO_XDEV: u64 = 0x01;
const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
const RESOLVE_NO_SYMLINKS: u64 = 0x04;
const RESOLVE_BENEATH: u64 = 0x08;

/// Opens `name` (one component or a relative path) beneath `dir`, never following a symlink
/// and never leaving the work dir's filesystem.
fn open_beneath(dir: RawFd, name: &Path, flags: i32, mode: u32) -> std::io::Result<OwnedFd> {
    let c_name = crate::sys::cstring(name)?;
    let how = OpenHow {
        flags: (flags | libc::O_CLOEXEC | libc::O_NOFOLLOW) as u64,
        mode: u64::from(mode),
        resolve: RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    // SAFETY: openat2 with a valid dir fd, NUL-terminated name and a correctly sized open_how.
    let fd = crate::sys::retry(|| unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir,
            c_name.as_ptr(),
            &how,
            size_of::<OpenHow>(),
        )
    })?;
    // SAFETY: openat2 returned a new fd that we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Splits a user-supplied relative path into plain components, refusing anything else.
/// The longest file name Linux allows (NAME_MAX).
const MAX_NAME_BYTES: usize = 255;
/// Components a path may have: deep enough for any real project.
pub const MAX_DEPTH: usize = 32;

pub fn validate_relative(path: &str) -> Result<Vec<&str>, SandboxError> {
    let invalid = |reason| SandboxError::InvalidPath {
        path: path.to_string(),
        reason,
    };
    if path.is_empty() {
        return Err(invalid("empty path"));
    }
    if path.contains('\0') {
        return Err(invalid("contains a NUL byte"));
    }
    if path.starts_with('/') {
        return Err(invalid("absolute paths are not allowed"));
    }
    let mut parts = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => {
                parts.push(part.to_str().ok_or_else(|| invalid("not UTF-8"))?)
            }
            Component::ParentDir => return Err(invalid("'..' is not allowed")),
            Component::CurDir => return Err(invalid("'.' components are not allowed")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(invalid("absolute paths are not allowed"));
            }
        }
    }
    if path.ends_with('/') || path.contains("//") {
        return Err(invalid("empty path component"));
    }
    if parts.iter().any(|part| part.len() > MAX_NAME_BYTES) {
        return Err(invalid("a name is longer than 255 bytes"));
    }
    if parts.len() > MAX_DEPTH {
        return Err(invalid("nested deeper than 32 directories"));
    }
    Ok(parts)
}

impl WorkDir {
    /// Mounts a fresh tmpfs of `size_kib` at `path`, owned by the program's host uid.
    pub(crate) fn mount(path: &Path, size_kib: u64, owner: u32) -> Result<Self, SandboxError> {
        let err = |source| SandboxError::WorkDir {
            path: path.to_path_buf(),
            source,
        };
        // 0700: only the slot's own uid (the program) and root may look inside a live run.
        let options = format!("size={size_kib}k,nr_inodes=65536,mode=0700,uid={owner},gid={owner}");
        crate::sys::mount(
            "tmpfs",
            path,
            "tmpfs",
            libc::MS_NOSUID | libc::MS_NODEV,
            &options,
        )
        .map_err(err)?;
        let dir = match File::open(path) {
            Ok(dir) => dir,
            Err(e) => {
                let _ = crate::sys::unmount_detach(path);
                return Err(err(e));
            }
        };
        Ok(WorkDir {
            path: path.to_path_buf(),
            dir,
            owner,
        })
    }

    /// The host path (for logs and for binding it into the sandbox).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: std::io::Error) -> SandboxError {
        SandboxError::WorkDir {
            path: self.path.clone(),
            source,
        }
    }

    fn chown(&self, fd: RawFd) -> Result<(), SandboxError> {
        // SAFETY: fchown on an fd we own.
        crate::sys::check(unsafe { libc::fchown(fd, self.owner, self.owner) }.into())
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Opens (creating as needed) the directory holding `parts[..len-1]`.
    fn parent_dir(&self, parts: &[&str]) -> Result<OwnedFd, SandboxError> {
        let mut current = open_beneath(
            self.dir.as_raw_fd(),
            Path::new("."),
            libc::O_PATH | libc::O_DIRECTORY,
            0,
        )
        .map_err(|e| self.err(e))?;
        for part in &parts[..parts.len().saturating_sub(1)] {
            let c_part = crate::sys::cstring(Path::new(part)).map_err(|e| self.err(e))?;
            // SAFETY: mkdirat with a valid dir fd and NUL-terminated name.
            let made = unsafe { libc::mkdirat(current.as_raw_fd(), c_part.as_ptr(), 0o755) } == 0;
            let next = open_beneath(
                current.as_raw_fd(),
                Path::new(part),
                libc::O_RDONLY | libc::O_DIRECTORY,
                0,
            )
            .map_err(|e| self.err(e))?;
            if made {
                self.chown(next.as_raw_fd())?;
            }
            current = next;
        }
        Ok(current)
    }

    /// Writes a file (and its parent directories), owned by the program's user.
    pub fn write_file(&self, path: &str, content: &[u8]) -> Result<(), SandboxError> {
        let parts = validate_relative(path)?;
        let parent = self.parent_dir(&parts)?;
        let name = parts.last().copied().unwrap_or_default();
        let fd = open_beneath(
            parent.as_raw_fd(),
            Path::new(name),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            0o644,
        )
        .map_err(|e| self.err(e))?;
        self.chown(fd.as_raw_fd())?;
        File::from(fd).write_all(content).map_err(|e| self.err(e))
    }

    /// Makes a file executable by the program (e.g. a staged script).
    pub fn set_executable(&self, path: &str) -> Result<(), SandboxError> {
        let parts = validate_relative(path)?;
        let fd = open_beneath(
            self.dir.as_raw_fd(),
            Path::new(&parts.join("/")),
            libc::O_RDONLY,
            0,
        )
        .map_err(|e| self.err(e))?;
        // SAFETY: fchmod on an fd we own.
        crate::sys::check(unsafe { libc::fchmod(fd.as_raw_fd(), 0o755) }.into())
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Reads a regular file the program may have written, at most `max_bytes`; a symlink
    /// anywhere on the path, or a non-regular file, is refused.
    pub fn read_file(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, SandboxError> {
        let parts = validate_relative(path)?;
        let fd = open_beneath(
            self.dir.as_raw_fd(),
            Path::new(&parts.join("/")),
            libc::O_RDONLY | libc::O_NONBLOCK,
            0,
        )
        .map_err(|e| self.err(e))?;
        let file = File::from(fd);
        let meta = file.metadata().map_err(|e| self.err(e))?;
        if !meta.is_file() {
            return Err(self.err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        let mut content = Vec::new();
        file.take(max_bytes)
            .read_to_end(&mut content)
            .map_err(|e| self.err(e))?;
        Ok(content)
    }

    /// Every regular file in the work dir, recursively, except `skip`: what a compiler produced.
    /// Symlinks and special files are ignored, never followed; past `max_bytes` in total, or
    /// past `max_files`, it fails rather than return a partial set.
    pub fn collect_files(
        &self,
        skip: &[&str],
        max_files: usize,
        max_bytes: u64,
    ) -> Result<Vec<FileEntry>, SandboxError> {
        let root = open_beneath(
            self.dir.as_raw_fd(),
            Path::new("."),
            libc::O_RDONLY | libc::O_DIRECTORY,
            0,
        )
        .map_err(|e| self.err(e))?;
        let mut found = Vec::new();
        let mut budget = Budget {
            files: max_files,
            bytes: max_bytes,
        };
        self.collect_into(&root, "", skip, &mut budget, &mut found, 0)?;
        Ok(found)
    }

    fn collect_into(
        &self,
        dir: &OwnedFd,
        prefix: &str,
        skip: &[&str],
        budget: &mut Budget,
        found: &mut Vec<FileEntry>,
        depth: usize,
    ) -> Result<(), SandboxError> {
        const MAX_DEPTH: usize = 32;
        let too_much = |what| self.err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, what));
        if depth > MAX_DEPTH {
            return Err(too_much("directories nested too deep"));
        }
        // Listing through /proc/self/fd reads the directory we hold open, whatever its path.
        let entries = std::fs::read_dir(format!("/proc/self/fd/{}", dir.as_raw_fd()))
            .map_err(|e| self.err(e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.err(e))?;
            let Some(name) = entry.file_name().to_str().map(String::from) else {
                continue;
            };
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            if skip.contains(&path.as_str()) {
                continue;
            }
            let opened = open_beneath(
                dir.as_raw_fd(),
                Path::new(&name),
                libc::O_RDONLY | libc::O_NONBLOCK,
                0,
            );
            // A symlink (ELOOP) or anything vanishing under us is simply not an artifact.
            let Ok(fd) = opened else { continue };
            let file = File::from(fd);
            let meta = file.metadata().map_err(|e| self.err(e))?;
            if meta.is_dir() {
                self.collect_into(&OwnedFd::from(file), &path, skip, budget, found, depth + 1)?;
            } else if meta.is_file() {
                budget.files = budget
                    .files
                    .checked_sub(1)
                    .ok_or_else(|| too_much("too many files"))?;
                budget.bytes = budget
                    .bytes
                    .checked_sub(meta.len())
                    .ok_or_else(|| too_much("files too large"))?;
                let mut content = Vec::with_capacity(meta.len() as usize);
                file.take(meta.len())
                    .read_to_end(&mut content)
                    .map_err(|e| self.err(e))?;
                use std::os::unix::fs::PermissionsExt;
                found.push(FileEntry {
                    path,
                    content,
                    executable: meta.permissions().mode() & 0o111 != 0,
                });
            }
        }
        Ok(())
    }

    /// Copies a trusted host directory's regular files and directories in (symlinks skipped).
    pub fn copy_from(&self, source: &Path) -> Result<(), SandboxError> {
        self.copy_tree(source, "")
    }

    fn copy_tree(&self, source: &Path, prefix: &str) -> Result<(), SandboxError> {
        let entries = std::fs::read_dir(source).map_err(|e| self.err(e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.err(e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let inside = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(|e| self.err(e))?;
            if kind.is_dir() {
                self.copy_tree(&entry.path(), &inside)?;
            } else if kind.is_file() {
                let content = std::fs::read(entry.path()).map_err(|e| self.err(e))?;
                self.write_file(&inside, &content)?;
                use std::os::unix::fs::PermissionsExt;
                if entry
                    .metadata()
                    .map_err(|e| self.err(e))?
                    .permissions()
                    .mode()
                    & 0o111
                    != 0
                {
                    self.set_executable(&inside)?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        // An unmount frees everything the program wrote without following any of it.
        let _ = crate::sys::unmount_detach(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_split_and_escapes_refused() {
        assert_eq!(
            validate_relative("src/main.rs").expect("ok"),
            ["src", "main.rs"]
        );
        assert_eq!(validate_relative("Main.java").expect("ok"), ["Main.java"]);
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../b",
            "./a",
            "a//b",
            "a/",
            "a\0b",
        ] {
            assert!(validate_relative(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
