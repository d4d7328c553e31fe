#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine (munged + slurmctld + slurmd), as root, for the
# workflow's SLURM test (tests/test_slurm.py) and for trying the slurm profile by hand.
#
#   tests/slurm/start-local-slurm.sh          # install if needed, configure, start; wait for "idle"
#   tests/slurm/stop-local-slurm.sh           # stop what this script started, remove its slurm.conf
#
# Exit codes: 0 the cluster answers; 3 SLURM cannot be installed here (not root, no package);
# 1 anything else (the message says what). Debian/Ubuntu packages: slurm-wlm, munge.
# A slurm.conf not written by this script is never overwritten.
set -euo pipefail

MARK="# written by pimalign tests/slurm/start-local-slurm.sh"
CONF=/etc/slurm/slurm.conf
STARTED=/run/pimalign-local-slurm.started  # pid files of the daemons this script started
say() { echo "[local-slurm] $*" >&2; }

if sinfo -h -o %T 2>/dev/null | grep -q -E '^(idle|mixed|allocated)'; then
    say "a SLURM cluster already answers: using it"
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        say "slurm-wlm/munge are not installed and this is not root: cannot install them"
        exit 3
    fi
    if ! command -v apt-get >/dev/null; then
        say "slurm-wlm/munge are not installed and there is no apt-get"
        exit 3
    fi
    say "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1 || true
        apt-get install -y -qq slurm-wlm munge >/dev/null || { say "apt-get could not install slurm-wlm munge"; exit 3; }
    fi
fi
if [ "$(id -u)" != 0 ]; then
    say "starting the SLURM daemons needs root"
    exit 3
fi

# munge: the key, its folders, the daemon
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge && chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged
    echo /run/munge/munged.pid >> "$STARTED"
    for _ in $(seq 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
fi

# slurm.conf: one node with this machine's CPUs and memory, one default partition "main"
if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    say "$CONF exists and was not written by this script: not touching it"
    exit 1
fi
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(free -m | awk '/^Mem:/{print $2}') - 1024 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > "$CONF" <<CONF
$MARK
ClusterName=local
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# finished jobs stay visible to squeue for 5 minutes (snakemake --slurm-status-command squeue)
MinJobAge=300
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
grep -qxF "$CONF" "$STARTED" 2>/dev/null || echo "$CONF" >> "$STARTED"

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# -c: start from a clean state. A cluster this script starts is its own, and jobs saved in
# StateSaveLocation by an earlier run that was killed mid-workflow would otherwise come back as
# "running", hold the node's CPUs and leave every new job pending.
running /run/slurmctld.pid || { slurmctld -c && echo /run/slurmctld.pid >> "$STARTED"; }
running /run/slurmd.pid || { slurmd -c && echo /run/slurmd.pid >> "$STARTED"; }
for _ in $(seq 60); do
    if sinfo -h -o %T 2>/dev/null | grep -q -x idle && [ -z "$(squeue -h 2>/dev/null)" ]; then
        say "cluster up: $(sinfo -h -o '%P %D %c %m %T' | head -1)"
        exit 0
    fi
    sleep 0.5
done
say "SLURM did not come up idle ($(sinfo -h -o %T 2>/dev/null | head -1); $(squeue -h 2>/dev/null | wc -l) jobs); see /var/log/slurm/slurmctld.log and slurmd.log"
exit 1
