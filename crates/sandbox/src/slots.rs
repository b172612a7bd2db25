//! Sandbox slots: a host uid pair, a prepared cgroup and mount points, owned by one process
//! at a time through an `flock` on the slot's lock file.
//!
//! The lock is what makes slots unique across processes (several servers, CLI runs, parallel
//! tests) and what makes crash recovery simple: a lock we can take belongs to nobody alive, so
//! whatever that slot left behind (mounts, processes in its cgroup) is cleaned before reuse.

use crate::SandboxError;
use crate::cgroup::{Hierarchy, SlotCgroup};
use crate::spawn::IdMap;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug)]
pub(crate) struct Slot {
    _lock: File,
    pub cgroup: Option<SlotCgroup>,
    pub dir: PathBuf,
    pub ids: IdMap,
}

impl Slot {
    /// Mount point of the run's new root (inside the run's own mount namespace only).
    pub fn root_dir(&self) -> PathBuf {
        self.dir.join("root")
    }

    /// Mount point of the work dir tmpfs, in the host's mount namespace.
    pub fn work_dir(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// Nothing of an earlier run is left in the slot's cgroup (killing what can be killed).
    fn is_clean(&mut self) -> bool {
        let Some(cgroup) = self.cgroup.as_mut() else {
            return true;
        };
        if cgroup.tasks().is_ok_and(|n| n == 0) {
            return true;
        }
        cgroup.clean().is_ok() && cgroup.tasks().is_ok_and(|n| n == 0)
    }

    fn remove(mut self) {
        if let Some(cgroup) = self.cgroup.take() {
            let _ = cgroup.remove();
        }
        unmount_all(&self.work_dir());
        for dir in [self.root_dir(), self.work_dir(), self.dir.clone()] {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Removes every mount stacked on `dir` (a crashed run may have left its work dir mounted).
fn unmount_all(dir: &Path) {
    while crate::sys::unmount_detach(dir).is_ok() {}
}

#[derive(Debug)]
pub(crate) struct SlotPool {
    dir: PathBuf,
    max: u32,
    uid_base: u32,
    hierarchy: Option<Hierarchy>,
    free: Mutex<Vec<Slot>>,
    /// Slots that were not clean when released: kept out of use (and owned, so that no other
    /// process takes them) until they are.
    quarantine: Mutex<Vec<Slot>>,
}

/// Directories the child must traverse as a non-root host uid: searchable, not listable.
const TRAVERSE_ONLY: u32 = 0o711;

pub(crate) fn make_dir(dir: &Path, mode: u32) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(mode).create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        other => other?,
    }
    let meta = std::fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Err(io::Error::other("exists and is not a directory"));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
}

impl SlotPool {
    pub(crate) fn new(
        state_dir: &Path,
        max: u32,
        uid_base: u32,
        hierarchy: Option<Hierarchy>,
    ) -> Result<Self, SandboxError> {
        let dir = state_dir.join("slots");
        let state_err = |source| SandboxError::StateDir {
            path: state_dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(state_err)?;
        for d in [state_dir, &dir] {
            make_dir(d, TRAVERSE_ONLY).map_err(|source| SandboxError::StateDir {
                path: d.to_path_buf(),
                source,
            })?;
        }
        Ok(SlotPool {
            dir,
            max,
            uid_base,
            hierarchy,
            free: Mutex::new(Vec::new()),
            quarantine: Mutex::new(Vec::new()),
        })
    }

    /// Cleans every slot that no living process holds: leftovers of a crashed supervisor.
    pub(crate) fn sweep(&self) -> Result<(), SandboxError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| SandboxError::StateDir {
            path: self.dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(index) = name
                .to_str()
                .and_then(|n| n.strip_prefix("slot-")?.strip_suffix(".lock")?.parse().ok())
            else {
                continue;
            };
            // Only slots that left something behind need work; most lock files guard nothing.
            let dir = self.dir.join(format!("slot-{index}"));
            let left_cgroup = self
                .hierarchy
                .as_ref()
                .is_some_and(|h| h.slot_exists(index));
            if (dir.exists() || left_cgroup)
                && let Some(slot) = self.try_claim(index)?
            {
                slot.remove();
            }
        }
        Ok(())
    }

    pub(crate) fn acquire(&self) -> Result<Slot, SandboxError> {
        if let Some(slot) = self.free.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(slot);
        }
        {
            let mut quarantine = self.quarantine.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(i) = quarantine.iter_mut().position(Slot::is_clean) {
                return Ok(quarantine.swap_remove(i));
            }
        }
        for index in 0..self.max {
            if let Some(slot) = self.try_claim(index)? {
                return Ok(slot);
            }
        }
        Err(SandboxError::NoFreeSlot { max: self.max })
    }

    pub(crate) fn release(&self, mut slot: Slot) {
        let list = if slot.is_clean() {
            &self.free
        } else {
            &self.quarantine
        };
        list.lock().unwrap_or_else(|p| p.into_inner()).push(slot);
    }

    /// Slots kept out of use because something of a run was still in them.
    pub(crate) fn quarantined(&self) -> usize {
        self.quarantine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    fn try_claim(&self, index: u32) -> Result<Option<Slot>, SandboxError> {
        let lock_path = self.dir.join(format!("slot-{index}.lock"));
        let state_err = |source| SandboxError::StateDir {
            path: lock_path.clone(),
            source,
        };
        let lock = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(&lock_path)
            .map_err(state_err)?;
        // SAFETY: flock on an fd we own.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            return Ok(None);
        }
        let dir = self.dir.join(format!("slot-{index}"));
        make_dir(&dir, TRAVERSE_ONLY).map_err(state_err)?;
        unmount_all(&dir.join("work"));
        for sub in ["root", "work"] {
            make_dir(&dir.join(sub), 0o755).map_err(state_err)?;
        }
        let cgroup = match &self.hierarchy {
            Some(hierarchy) => {
                let mut cgroup = hierarchy
                    .slot(index)
                    .map_err(|source| SandboxError::Cgroup {
                        action: "creating a slot",
                        source,
                    })?;
                cgroup.clean().map_err(|source| SandboxError::Cgroup {
                    action: "cleaning a slot",
                    source,
                })?;
                Some(cgroup)
            }
            None => None,
        };
        let host_root = self.uid_base + 2 * index;
        Ok(Some(Slot {
            _lock: lock,
            cgroup,
            dir,
            ids: IdMap {
                host_root,
                host_user: host_root + 1,
                inside_user: crate::config::INSIDE_UID,
            },
        }))
    }
}

impl Drop for SlotPool {
    fn drop(&mut self) {
        let quarantined =
            std::mem::take(self.quarantine.get_mut().unwrap_or_else(|p| p.into_inner()));
        for slot in self
            .free
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .chain(quarantined)
        {
            slot.remove();
        }
        if let Some(hierarchy) = &self.hierarchy {
            // Fails while another process still has slots there, which is what we want.
            hierarchy.remove_base_if_empty();
        }
    }
}
