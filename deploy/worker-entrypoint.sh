#!/usr/bin/env bash
# Entrypoint of sandbox workers (installed as /usr/local/bin/codecollab-worker-entrypoint):
# makes the container's own cgroup v2 hierarchy writable, then execs `codecollab "$@"`.
#
# Why: Docker and Kubernetes mount /sys/fs/cgroup read-only in every container that is not
# privileged, yet the sandbox creates one cgroup per run (memory and pids limits, accounting)
# under its own. With a private cgroup namespace (compose `cgroup: private`, the default on
# cgroup v2 hosts and in Kubernetes on cgroup v2) that mount shows only this container's
# subtree, so remounting it read-write (CAP_SYS_ADMIN, AppArmor unconfined) delegates exactly
# that subtree and nothing of the host's. With the host's cgroup namespace it would expose the
# host's whole tree, so this refuses.
#
# CODECOLLAB_CGROUP_REMOUNT=0 skips all of this: the sandbox then reports cgroups as unusable
# and falls back to rlimits and rusage (weaker limits; `codecollab doctor` shows it).
#
# No init process may run beside codecollab (no compose `init: true`, no tini): cgroup v2
# enables controllers for children only in a cgroup without processes, and the sandbox moves
# itself alone into a leaf of the container's cgroup to make that true.
set -euo pipefail

proc="${CODECOLLAB_ENTRYPOINT_PROC:-/proc/self}"   # overridden by scripts/check-deploy.sh only
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

exec codecollab "$@"
