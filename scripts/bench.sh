#!/usr/bin/env bash
# The project's benchmark: ours against Supervisor 4.3.0 in one interleaved
# run of the shared harness (../shared/bench/run.sh), then a table of medians
# and ratios.
#
#   scripts/bench.sh                       every scenario, 3 repetitions
#   scripts/bench.sh --scenarios a,b ...   anything else goes to the harness
#
# Builds the release binaries and installs the reference in .venv-ref first.
# The raw output is kept in target/bench/run-<time>.txt and the table in
# target/bench/table-<time>.md. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

harness=../shared/bench/run.sh
[ -f "$harness" ] || { echo "bench: $harness not found (../shared must sit beside the repository)" >&2; exit 2; }

if [ ! -x .venv-ref/bin/supervisord ] || ! .venv-ref/bin/python -c 'import supervisor' 2>/dev/null; then
  echo "==> installing the reference (supervisor==4.3.0) into .venv-ref"
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet --disable-pip-version-check supervisor==4.3.0 superlance
fi
# The RPC throughput scenario drives the daemons with wrk (Debian's package).
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk"
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo -n"
  $as_root apt-get install -y -q wrk >/dev/null \
    || { $as_root apt-get update -q >/dev/null && $as_root apt-get install -y -q wrk >/dev/null; }
fi
echo "==> building release binaries"
cargo build --release --quiet --bin supervisord --bin supervisorctl

mkdir -p target/bench
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=target/bench/run-$stamp.txt
table=target/bench/table-$stamp.md
{
  echo "# machine: $(uname -srm); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "# memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo); date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$raw"
sh "$harness" --labels reference,ours --reps 3 "$@" \
  .venv-ref/bin/supervisord .venv-ref/bin/supervisorctl \
  target/release/supervisord target/release/supervisorctl 2>&1 | tee -a "$raw"
# 7000 programs from one section (ours only: the reference takes minutes to
# start them), as many as a 20,000-descriptor hard limit allows; skipped
# with a note below that limit.
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 20000 ]; then
  sh "$harness" --labels ours --reps 1 --scenarios scale_10000 --scale10k-programs 7000 \
    target/release/supervisord target/release/supervisorctl 2>&1 | tee -a "$raw"
else
  echo "# scale_7000 skipped: hard fd limit $(ulimit -Hn) < 20000" | tee -a "$raw"
fi
# Log reads of a 2 GiB log (not in the shared harness), same format.
python3 scripts/bench_logtail.py --reps 3 \
  reference .venv-ref/bin/supervisord .venv-ref/bin/supervisorctl \
  ours target/release/supervisord target/release/supervisorctl 2>&1 | tee -a "$raw"
# Readiness and health checks at scale (ours only; the reference has none).
python3 scripts/bench_checks.py --reps 3 ours target/release/supervisord target/release/supervisorctl \
  2>&1 | tee -a "$raw"
# Output forwarding and metrics scrapes (container mode).
python3 scripts/bench_observe.py --reps 3 .venv-ref/bin/supervisord target/release/supervisord \
  target/release/supervisorctl 2>&1 | tee -a "$raw"
python3 scripts/bench_table.py "$raw" | tee "$table"
echo "raw output: $raw"
echo "table:      $table"
