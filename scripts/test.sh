#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need first: the reference
# (Supervisor 4.3.0 and superlance, from PyPI) in .venv-ref, which the
# differential tests run side by side with ours, with prometheus_client (whose
# parser reads our /metrics in the tests); lintian (Debian package test); and chromium with
# chromedriver (Debian packages) for the web page tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv-ref/bin/supervisord ] || ! .venv-ref/bin/python -c 'import supervisor, superlance, prometheus_client, supervisor_stdlog' 2>/dev/null; then
  echo "==> installing the reference (supervisor==4.3.0, superlance) and prometheus_client into .venv-ref"
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install --quiet --disable-pip-version-check supervisor==4.3.0 superlance prometheus_client supervisor-stdlog
fi
[ "$(.venv-ref/bin/python -c 'import supervisor.options as o; print(o.VERSION)')" = "4.3.0" ]

# The browser tests drive Debian's chromium through chromedriver.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "==> installing chromium and chromium-driver (browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo -n"
  $as_root apt-get install -y -q chromium chromium-driver >/dev/null \
    || { $as_root apt-get update -q >/dev/null && $as_root apt-get install -y -q chromium chromium-driver >/dev/null; }
fi

# The package test checks the Debian package with lintian.
if ! command -v lintian >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "==> installing lintian (Debian package test)"
  export DEBIAN_FRONTEND=noninteractive
  as_root=""
  [ "$(id -u)" = 0 ] || as_root="sudo -n"
  $as_root apt-get install -y -q lintian >/dev/null \
    || { $as_root apt-get update -q >/dev/null && $as_root apt-get install -y -q lintian >/dev/null; }
fi

export SV_REQUIRE_REF=1
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --profile ci --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
