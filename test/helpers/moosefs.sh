#!/usr/bin/env bash
# (Vendored from the team's shared realfs kit so CI and a fresh clone have it; keep it in step.)
# moosefs.sh - a throwaway single-host MooseFS 3.0 (Debian 12 packages): one master,
# N chunkservers and an mfsmount FUSE mount, all plain processes on 127.0.0.1, all state
# under DIR. Needs root and /dev/fuse. No systemd.
#
#   moosefs.sh start DIR    install if needed, start (or reuse) everything, print mount point
#   moosefs.sh stop DIR     unmount, stop every process started for DIR (data is kept;
#                           a later start reuses it)
#   moosefs.sh status DIR   exit 0 when everything for DIR is up
#   moosefs.sh clean DIR    stop, then delete DIR
#
# Env: MFS_CHUNKSERVERS (1)  MFS_GOAL (copies per file; default min(N,2))
#      MFS_PORT_BASE (19419: master uses BASE..BASE+2, chunkserver i uses BASE+2+i)
#      MFS_MOUNT_OPTS (extra "-o" options for mfsmount, comma-separated; e.g.
#        mfscachemode=DIRECT so every read reaches the chunkserver, no FUSE page cache)
# Logs: DIR/log/*.log. Pids: DIR/run/*.pid. A failed start stops what it started.
#
# Loopback note: MooseFS refuses 127.0.0.0/8 between chunkserver and master (both sides
# check). The chunkserver is pointed at MASTER_HOST=0.0.0.0 (Linux connects that to
# 127.0.0.1) and the master remaps the chunkserver address 127.0.0.1 -> 0.0.0.0, which
# clients and peers again connect to as 127.0.0.1. Every socket stays 127.0.0.1<->127.0.0.1.
set -euo pipefail

readonly PKGS="moosefs-master moosefs-chunkserver moosefs-client"
readonly START_TIMEOUT_S=30
readonly STOP_TIMEOUT_S=30
SIG=TERM # clean uses KILL: its data is deleted anyway

die() { echo "moosefs.sh: $*" >&2; exit 1; }

usage() { echo "usage: $0 {start|stop|status|clean} DIR" >&2; exit 2; }

install_pkgs() {
  local b missing=0
  for b in mfsmaster mfschunkserver mfsmount mfssetgoal; do
    command -v "$b" >/dev/null 2>&1 || missing=1
  done
  [ "$missing" = 0 ] && return 0
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PKGS >/dev/null 2>&1 || {
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $PKGS >/dev/null
  }
}

# pid_alive PIDFILE NAME: the pid in PIDFILE runs a program whose command line has NAME
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

# stop_pid PIDFILE NAME: $SIG (TERM), wait, then KILL; remove PIDFILE
stop_pid() {
  local pid i
  if pid_alive "$1" "$2"; then
    pid=$(cat "$1")
    kill -"$SIG" "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
      pid_alive "$1" "$2" || break
      sleep 0.1
    done
    if pid_alive "$1" "$2"; then
      echo "moosefs.sh: $2 (pid $pid) ignored TERM, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$1"
}

is_mounted() { awk -v m="$1" '$2 == m { f = 1 } END { exit !f }' /proc/self/mounts; }

pidfile_name() { case $1 in */mount.pid) echo mfsmount ;; */master.pid) echo mfsmaster ;; *) echo mfschunkserver ;; esac; }

wait_for() { # wait_for SECONDS WHAT CMD...: poll CMD; fail early if a started process died
  local t=$1 what=$2 i f
  shift 2
  for ((i = 0; i < t * 20; i++)); do
    "$@" && return 0
    for f in "$RUN"/*.pid; do
      [ -e "$f" ] && ! pid_alive "$f" "$(pidfile_name "$f")" &&
        die "$(pidfile_name "$f") exited while waiting for $what (see $D/log)"
    done
    sleep 0.05
  done
  die "timed out after ${t}s waiting for $what (logs: $D/log)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cs_registered() { # N chunkservers registered since master log line $LOG0, space visible on MNT
  local n
  n=$(tail -n +"$((LOG0 + 1))" "$D/log/master.log" | grep -c 'chunkserver register end') || true
  [ "$n" -ge "$NCS" ] && [ "$(stat -f -c %b "$MNT" 2>/dev/null || echo 0)" -gt 0 ]
}

setup_vars() {
  [ -n "${1:-}" ] || usage
  D=$(realpath -m "$1")
  MNT=$D/mnt
  RUN=$D/run
  if [ -s "$RUN/env" ]; then
    # shellcheck disable=SC1091
    . "$RUN/env" # the layout a running instance was started with
  else
    NCS=${MFS_CHUNKSERVERS:-1}
    BASE=${MFS_PORT_BASE:-19419}
  fi
  CL_PORT=$((BASE + 2))
}

write_configs() {
  local i cs
  mkdir -p "$D/master" "$D/log" "$RUN" "$MNT"
  printf 'NCS=%s\nBASE=%s\n' "$NCS" "$BASE" >"$RUN/env"
  echo "127.0.0.1 / rw,alldirs,admin,maproot=0:0" >"$D/master/mfsexports.cfg"
  : >"$D/master/mfstopology.cfg"
  cat >"$D/master/mfsmaster.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
NICE_LEVEL = 0
DISABLE_OOM_KILLER = 0
DATA_PATH = $D/master
EXPORTS_FILENAME = $D/master/mfsexports.cfg
TOPOLOGY_FILENAME = $D/master/mfstopology.cfg
MATOML_LISTEN_HOST = 127.0.0.1
MATOML_LISTEN_PORT = $BASE
MATOCS_LISTEN_HOST = 127.0.0.1
MATOCS_LISTEN_PORT = $((BASE + 1))
MATOCL_LISTEN_HOST = 127.0.0.1
MATOCL_LISTEN_PORT = $CL_PORT
REMAP_BITS = 32
REMAP_SOURCE_IP_CLASS = 127.0.0.1
REMAP_DESTINATION_IP_CLASS = 0.0.0.0
EOF
  for ((i = 1; i <= NCS; i++)); do
    cs=$D/cs$i
    mkdir -p "$cs/data" "$cs/hdd"
    echo "$cs/hdd" >"$cs/mfshdd.cfg"
    cat >"$cs/mfschunkserver.cfg" <<EOF
WORKING_USER = root
WORKING_GROUP = root
NICE_LEVEL = 0
DISABLE_OOM_KILLER = 0
DATA_PATH = $cs/data
HDD_CONF_FILENAME = $cs/mfshdd.cfg
BIND_HOST = 127.0.0.1
MASTER_HOST = 0.0.0.0
MASTER_PORT = $((BASE + 1))
MASTER_RECONNECTION_DELAY = 1
CSSERV_LISTEN_HOST = 127.0.0.1
CSSERV_LISTEN_PORT = $((BASE + 2 + i))
EOF
  done
}

# spawn PIDFILE LOG CMD...: run CMD in the foreground mode of its own session, record its pid
spawn() {
  local pidfile=$1 log=$2
  shift 2
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

all_up() {
  local i
  pid_alive "$RUN/master.pid" mfsmaster || return 1
  for ((i = 1; i <= NCS; i++)); do pid_alive "$RUN/cs$i.pid" mfschunkserver || return 1; done
  pid_alive "$RUN/mount.pid" mfsmount && is_mounted "$MNT" && timeout 5 stat -t "$MNT" >/dev/null 2>&1
}

cmd_start() {
  local i probe
  if all_up; then echo "$MNT"; return 0; fi
  cmd_stop >/dev/null # clear whatever half-started state is left
  trap 'echo "moosefs.sh: start failed, stopping what it started (logs: $D/log)" >&2; cmd_stop' EXIT
  [ -c /dev/fuse ] || die "/dev/fuse missing"
  install_pkgs
  NCS=${MFS_CHUNKSERVERS:-$NCS}
  BASE=${MFS_PORT_BASE:-$BASE}
  CL_PORT=$((BASE + 2))
  write_configs
  if [ ! -e "$D/master/metadata.mfs" ] && [ ! -e "$D/master/metadata.mfs.back" ]; then
    printf 'MFSM NEW' >"$D/master/metadata.mfs" # = /var/lib/mfs/metadata.mfs.empty
  fi
  port_open "$CL_PORT" && die "port $CL_PORT already in use (set MFS_PORT_BASE)"
  touch "$D/log/master.log"
  LOG0=$(wc -l <"$D/log/master.log")
  spawn "$RUN/master.pid" "$D/log/master.log" mfsmaster -f -a -c "$D/master/mfsmaster.cfg"
  wait_for "$START_TIMEOUT_S" "master on port $CL_PORT" port_open "$CL_PORT"
  for ((i = 1; i <= NCS; i++)); do
    spawn "$RUN/cs$i.pid" "$D/log/cs$i.log" mfschunkserver -f -c "$D/cs$i/mfschunkserver.cfg"
  done
  spawn "$RUN/mount.pid" "$D/log/mount.log" mfsmount -f -H 127.0.0.1 -P "$CL_PORT" \
    -o "mfsnice=0,mfsallowoomkiller${MFS_MOUNT_OPTS:+,$MFS_MOUNT_OPTS}" "$MNT"
  wait_for "$START_TIMEOUT_S" "mount at $MNT" is_mounted "$MNT"
  wait_for "$START_TIMEOUT_S" "$NCS chunkserver(s) to register" cs_registered
  if [ ! -e "$D/master/.initialized" ]; then # new files inherit these from the root
    mfssetgoal "${MFS_GOAL:-$((NCS < 2 ? NCS : 2))}" "$MNT" >/dev/null
    mfssettrashtime 0 "$MNT" >/dev/null # deleted files free their chunks at once
    touch "$D/master/.initialized"
  fi
  probe=$MNT/.moosefs-probe.$$
  # shellcheck disable=SC2016 # $1 expands in the inner sh
  timeout "$START_TIMEOUT_S" sh -c 'echo ok >"$1" && [ "$(cat "$1")" = ok ] && rm -f "$1"' _ "$probe" ||
    die "write/read probe on $MNT failed (logs: $D/log)"
  trap - EXIT
  echo "$MNT"
}

cmd_stop() {
  local f n
  [ -d "$D" ] || return 0
  if is_mounted "$MNT"; then
    # -c: no path canonicalising; its stat() on MNT can hang ~130 s when the master is gone
    umount -c "$MNT" 2>/dev/null || umount -l -c "$MNT" 2>/dev/null || true
  fi
  # signal everything at once (on TERM the master saves metadata.mfs), then wait for each
  for f in "$RUN"/mount.pid "$RUN"/cs*.pid "$RUN"/master.pid; do
    n=$(pidfile_name "$f")
    if pid_alive "$f" "$n"; then kill -"$SIG" "$(cat "$f")" 2>/dev/null || true; fi
  done
  for f in "$RUN"/mount.pid "$RUN"/cs*.pid "$RUN"/master.pid; do stop_pid "$f" "$(pidfile_name "$f")"; done
}

cmd_status() {
  if all_up; then echo "up: $MNT (master 127.0.0.1:$CL_PORT, $NCS chunkserver(s))"; else
    echo "down: $D"
    return 1
  fi
}

[ "$(id -u)" = 0 ] || die "must run as root (FUSE mount, daemons)"
case "${1:-}" in
  start) setup_vars "${2:-}"; cmd_start ;;
  stop) setup_vars "${2:-}"; cmd_stop ;;
  status) setup_vars "${2:-}"; cmd_status ;;
  clean) setup_vars "${2:-}"; SIG=KILL; cmd_stop; rm -rf "$D" ;;
  *) usage ;;
esac
