#!/usr/bin/env bash
# A real Slurm on one machine, for tests and for trying the job without a cluster: munged, slurmctld and three
# slurmd daemons emulating nodes n1-n3 (2 CPUs, 4000 MB each), all on 127.0.0.1. Needs root (it installs Debian's
# slurm-wlm and munge when missing). Nothing is written to /etc/slurm: clients find the configuration through
# SLURM_CONF, which `env` prints.
#
#   slurm/local-cluster.sh up       install if needed, write the configuration, start the daemons, wait for idle nodes
#   slurm/local-cluster.sh down     stop the daemons
#   slurm/local-cluster.sh env      print `export SLURM_CONF=...` (use: eval "$(slurm/local-cluster.sh env)")
#   slurm/local-cluster.sh status   sinfo
set -euo pipefail

STATE=${FORM3_SLURM_DIR:-/var/tmp/form3-slurm}
CONF=$STATE/slurm.conf
HOST=$(hostname)
NODES=(n1 n2 n3)

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then
        return
    fi
    [ "$(id -u)" = 0 ] || { echo "error: slurm-wlm and munge are missing and installing them needs root" >&2; exit 1; }
    echo "installing slurm-wlm and munge (Debian packages)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
}

write_config() {
    mkdir -p "$STATE"/{state,spool,run,log}
    cat >"$CONF" <<EOF
# Written by slurm/local-cluster.sh: a test cluster of three emulated nodes on this machine.
ClusterName=form3test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/state
SlurmdSpoolDir=$STATE/spool/%n
SlurmdPidFile=$STATE/run/slurmd-%n.pid
SlurmdLogFile=$STATE/log/slurmd-%n.log
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
# Heterogeneous jobs are started only by the backfill scheduler; a 1 s interval starts them at once.
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
# Seconds between SIGTERM and SIGKILL at the time limit (Slurm's default).
KillWait=30
NodeName=n[1-3] NodeHostname=$HOST NodeAddr=127.0.0.1 Port=[17001-17003] CPUs=2 RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if pgrep -x munged >/dev/null; then return; fi
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    chmod 0700 /etc/munge
    chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged || /usr/sbin/munged --force
}

up() {
    install_packages
    write_config
    start_munge
    export SLURM_CONF=$CONF
    pgrep -f "slurmctld -f $CONF" >/dev/null || slurmctld -f "$CONF" -i
    for n in "${NODES[@]}"; do
        pgrep -f "slurmd -f $CONF -N $n" >/dev/null || slurmd -f "$CONF" -N "$n"
    done
    for _ in $(seq 1 60); do
        states=$(sinfo -h -o '%t' 2>/dev/null || true)
        if [ -n "$states" ] && ! grep -qE 'unk|down|drain|fail|\*' <<<"$states"; then
            sinfo
            return
        fi
        sleep 0.5
    done
    echo "error: the Slurm nodes did not come up; see $STATE/log" >&2
    sinfo || true
    exit 1
}

down() {
    pkill -f "slurmd -f $CONF" 2>/dev/null || true
    pkill -f "slurmctld -f $CONF" 2>/dev/null || true
    for _ in $(seq 1 20); do
        pgrep -f "slurm(ctl)?d -f $CONF" >/dev/null || return 0
        sleep 0.25
    done
    pkill -9 -f "slurm(ctl)?d -f $CONF" 2>/dev/null || true
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    status) SLURM_CONF=$CONF sinfo ;;
    *) echo "usage: $0 up|down|env|status" >&2; exit 2 ;;
esac
