#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need first: the reference
# (Supervisor 4.3.0 and superlance, from PyPI) in .venv-ref, which the
# differential tests run side by side with ours.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-ref/bin/supervisord ] || ! .venv-ref/bin/python -c 'import supervisor, superlance' 2>/dev/null; then
  echo "==> installing the reference (supervisor==4.3.0, superlance) into .venv-ref"
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet --disable-pip-version-check supervisor==4.3.0 superlance
fi
[ "$(.venv-ref/bin/python -c 'import supervisor.options as o; print(o.VERSION)')" = "4.3.0" ]

export SV_REQUIRE_REF=1
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --profile ci --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
