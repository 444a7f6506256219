#!/usr/bin/env bash
# A single-node SLURM on this machine, for the SLURM profile's tests (tests/test_slurm.py): controller
# and node daemon on localhost, munge authentication, no accounting database, and two emulated GPUs
# (GRES gpu:sim:2 on stand-in device files, so SLURM allocates them and sets CUDA_VISIBLE_DEVICES as on a GPU node).
#
#   tests/slurm/localcluster.sh install   Debian's slurm-wlm and munge (needs root and the package registry)
#   tests/slurm/localcluster.sh start     write the config, start munged, slurmctld and slurmd, wait for the node
#                                         (exit 3: the machine has a SLURM of its own, left alone)
#   tests/slurm/localcluster.sh stop      stop the daemons this script started
#   tests/slurm/localcluster.sh env       the line that points SLURM's commands at this cluster
#
# Everything lives in $DIGITBENCH_SLURM_DIR (default /tmp/digitbench-slurm). Clients find the cluster
# through SLURM_CONF, except inside jobs: the executor's job step (snakemake-executor-plugin-slurm-jobstep
# 0.6) drops every SLURM_* variable but the job's identity before its srun, so /etc/slurm/slurm.conf
# is linked to this cluster's file while it runs (refused if that path holds a real configuration).
set -euo pipefail

STATE=${DIGITBENCH_SLURM_DIR:-/tmp/digitbench-slurm}
CONF=$STATE/slurm.conf
SYSTEM_CONF=/etc/slurm/slurm.conf
HOST=$(hostname -s)
PARTITION=debug
GPU_TYPE=sim

die() { echo "localcluster: $*" >&2; exit 1; }

install() {
    [[ $(id -u) == 0 ]] || die "installing slurm-wlm and munge needs root (run as root, or install them yourself)"
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || die "no apt-get: install SLURM (slurmctld, slurmd) and munge with your package manager"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends slurm-wlm munge >"$STATE.apt.log" 2>&1 \
        || { apt-get update -q >>"$STATE.apt.log" 2>&1 && apt-get install -y -q --no-install-recommends slurm-wlm munge >>"$STATE.apt.log" 2>&1; } \
        || die "apt-get install slurm-wlm munge failed (log: $STATE.apt.log)"
}

write_config() {
    local cpus mem_mb
    cpus=$(nproc)
    mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
    mkdir -p "$STATE"/{ctld,spool,dev}
    # SLURM accepts only device files as GPUs: two clones of /dev/null and /dev/zero stand in for them.
    [[ -c $STATE/dev/gpu0 ]] || mknod "$STATE/dev/gpu0" c 1 3
    [[ -c $STATE/dev/gpu1 ]] || mknod "$STATE/dev/gpu1" c 1 5
    cat >"$CONF" <<CONF
# digitbench test cluster (tests/slurm/localcluster.sh)
ClusterName=digitbench
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
# Not SLURM's default ports, so that a real SLURM on this machine is left alone.
SlurmctldPort=16817
SlurmdPort=16818
# No cgroups in a container: processes are tracked through /proc, tasks are not confined.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
# No accounting database: sacct has nothing to read, so the profile asks squeue, which keeps a
# finished job for MinJobAge seconds.
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=300
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# A job that names no memory must not take the whole node.
DefMemPerCPU=1000
GresTypes=gpu
ReturnToService=2
MpiDefault=none
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb Gres=gpu:$GPU_TYPE:2 State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    cat >"$STATE/gres.conf" <<CONF
AutoDetect=off
NodeName=$HOST Name=gpu Type=$GPU_TYPE File=$STATE/dev/gpu[0-1]
CONF
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
    command -v slurmctld >/dev/null || die "slurmctld not found: run '$0 install' first (root), or install Debian's slurm-wlm and munge"
    if [[ -e $SYSTEM_CONF ]] && ! grep -q "^# digitbench test cluster" "$SYSTEM_CONF"; then
        echo "localcluster: $SYSTEM_CONF exists and is not a test cluster's: this machine has its own SLURM, which this script leaves alone" >&2
        exit 3
    fi
    write_config
    export SLURM_CONF=$CONF
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -sfn "$CONF" "$SYSTEM_CONF"
    if ! pgrep -x munged >/dev/null; then
        mkdir -p /run/munge /var/log/munge /var/lib/munge
        chown munge:munge /run/munge /var/log/munge /var/lib/munge
        runuser -u munge -- /usr/sbin/munged || die "munged did not start (is /etc/munge/munge.key there?)"
        touch "$STATE/munged.ours"  # stop ends only a munged that this script started
    fi
    alive "$STATE/slurmctld.pid" || slurmctld -f "$CONF" || die "slurmctld did not start: see $STATE/slurmctld.log"
    alive "$STATE/slurmd.pid" || slurmd -f "$CONF" || die "slurmd did not start: see $STATE/slurmd.log"
    for _ in $(seq 60); do
        if sinfo -h -N -o "%T" 2>/dev/null | grep -qE "^(idle|mixed|allocated)"; then
            scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
            echo "export SLURM_CONF=$CONF"
            return
        fi
        sleep 1
    done
    die "the node did not come up within 60 s: see $STATE/slurmctld.log and $STATE/slurmd.log"
}

stop() {
    # Jobs still running would outlive slurmd as orphaned job steps: cancel them, then end their scripts.
    if alive "$STATE/slurmctld.pid"; then
        SLURM_CONF=$CONF scancel --quiet --full --nodelist="$HOST" 2>/dev/null || true
        sleep 2
    fi
    pkill -f "$STATE/spool/" 2>/dev/null || true
    for daemon in slurmd slurmctld; do
        if alive "$STATE/$daemon.pid"; then
            kill "$(cat "$STATE/$daemon.pid")"
            for _ in $(seq 30); do alive "$STATE/$daemon.pid" || break; sleep 0.5; done
        fi
    done
    [[ $(readlink "$SYSTEM_CONF" 2>/dev/null) == "$CONF" ]] && rm -f "$SYSTEM_CONF"
    if [[ -f $STATE/munged.ours ]]; then
        pkill -x munged || true
        rm -f "$STATE/munged.ours"
    fi
}

case ${1:-} in
    install) mkdir -p "$(dirname "$STATE")"; install ;;
    start) start ;;
    stop) stop ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *) die "usage: $0 install|start|stop|env" ;;
esac
