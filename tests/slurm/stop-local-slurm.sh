#!/usr/bin/env bash
# Undo start-local-slurm.sh: stop the daemons it started (and only those), each by the pid in the
# pid file it recorded, slurmd first, munged last; then remove the slurm.conf it wrote. (Left behind
# without its daemons, that slurm.conf makes every `scontrol` call wait for a controller, and the
# SLURM executor plugin calls it whenever snakemake starts.)
set -uo pipefail

STARTED=/run/pimalign-local-slurm.started
CONF=/etc/slurm/slurm.conf
MARK="# written by pimalign tests/slurm/start-local-slurm.sh"
[ -s "$STARTED" ] || exit 0
for pidfile in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    grep -qxF "$pidfile" "$STARTED" || continue
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
done
if grep -qxF "$CONF" "$STARTED" && grep -qF "$MARK" "$CONF" 2>/dev/null; then
    rm -f "$CONF"
fi
rm -f "$STARTED"
