#!/usr/bin/env bash
# Entrypoint of sandbox workers (installed as /usr/local/bin/codecollab-worker-entrypoint):
# prepares two things the sandbox needs and a container runtime does not give, then execs
# `codecollab "$@"`. Both need CAP_SYS_ADMIN and AppArmor unconfined, which workers have.
#
# 1. A writable cgroup. Docker and Kubernetes mount /sys/fs/cgroup read-only in every container
#    that is not privileged, yet the sandbox creates one cgroup per run (memory and pids limits,
#    accounting) under its own. With a private cgroup namespace (compose `cgroup: private`, the
#    default on cgroup v2 hosts and in Kubernetes on cgroup v2) that mount shows only this
#    container's subtree, so remounting it read-write delegates exactly that subtree and nothing
#    of the host's. With the host's cgroup namespace it would expose the host's whole tree, so
#    this refuses. CODECOLLAB_CGROUP_REMOUNT=0 skips it: the sandbox then finds cgroups unusable
#    and falls back to rlimits and rusage (weaker limits; `codecollab doctor` shows it).
#
# 2. A fully visible proc. Each run gets a pid namespace and a fresh /proc, mounted from inside
#    the run's user namespace, and the kernel allows that only while some proc mount in the
#    mount namespace hides nothing (mount_too_revealing). Runtimes mask parts of the container's
#    /proc (/proc/kcore, /proc/timer_list, ... have files mounted over them; /proc/sys is
#    read-only), so without this every run fails with EPERM. A spare, unmasked proc of the
#    container's own pid namespace goes where no run looks (the sandbox shows runs only /usr,
#    /lib, /bin, /sbin, /opt and its own dirs); it must be read-write like the runs' own proc.
#    CODECOLLAB_SPARE_PROC=0 skips it (e.g. with Docker's `security_opt: systempaths=unconfined`).
#
# No init process may run beside codecollab (no compose `init: true`, no tini): cgroup v2
# enables controllers for children only in a cgroup without processes, and the sandbox moves
# itself alone into a leaf of the container's cgroup to make that true.
set -euo pipefail

proc="${CODECOLLAB_ENTRYPOINT_PROC:-/proc/self}"   # overridden by scripts/check-deploy.sh only
spare_proc=/run/codecollab-proc
say() { echo "codecollab-worker-entrypoint: $*" >&2; }

if [ "${CODECOLLAB_CGROUP_REMOUNT:-1}" != 0 ]; then
  # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
  mount_line="$(awk '$5 == "/sys/fs/cgroup"' "$proc/mountinfo" | tail -n 1)"
  fstype="$(printf '%s\n' "$mount_line" | sed -n 's/.* - \([^ ]*\) .*/\1/p')"
  options="$(printf '%s\n' "$mount_line" | awk '{print $6}')"
  if [ "$fstype" != cgroup2 ]; then
    say "no cgroup v2 at /sys/fs/cgroup (${fstype:-nothing}); leaving cgroups to the sandbox's own detection"
  elif [[ ",$options," == *,ro,* ]]; then
    own="$(sed -n 's/^0:://p' "$proc/cgroup")"
    if [ "$own" != / ]; then
      say "this container shares the host's cgroup namespace (own cgroup $own): run it with a" \
          "private one (compose: cgroup: private) or set CODECOLLAB_CGROUP_REMOUNT=0 to run without cgroup limits"
      exit 1
    fi
    if ! mount -o remount,rw /sys/fs/cgroup; then
      say "cannot remount /sys/fs/cgroup read-write: the container needs CAP_SYS_ADMIN and" \
          "AppArmor unconfined (or set CODECOLLAB_CGROUP_REMOUNT=0 to run without cgroup limits)"
      exit 1
    fi
  fi
fi

# Only needed when something is mounted inside /proc (the runtime's masks).
if [ "${CODECOLLAB_SPARE_PROC:-1}" != 0 ] && awk '$5 ~ "^/proc/" { found = 1 } END { exit !found }' "$proc/mountinfo"; then
  mkdir -p "$spare_proc"
  if ! mount -t proc -o rw,nosuid,nodev,noexec proc "$spare_proc"; then
    say "cannot mount a spare proc on $spare_proc: the container needs CAP_SYS_ADMIN and" \
        "AppArmor unconfined (or an unmasked /proc: Docker's security_opt systempaths=unconfined)"
    exit 1
  fi
fi

exec codecollab "$@"
