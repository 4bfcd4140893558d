#!/usr/bin/env bash
# Creates .venv/ in the repo root and installs the project with the CPU build of torch.
# Usage: scripts/setup.sh [--test]   (--test adds test tools and headless Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
[ "${1:-}" = "--test" ] && want_test=1
stamp=.venv/.setup-stamp
sig="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-$want_test"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sig" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
# A local wheel directory (if this machine has one) holds torch's CPU build.
[ -d /opt/wheels ] && PIP+=(--find-links /opt/wheels)
# CPU torch first, pinned, so nothing later pulls a CUDA build.
"${PIP[@]}" "torch==2.13.0"
if [ "$want_test" = 1 ]; then
  "${PIP[@]}" -e ".[st,test]"
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      echo "setup: installing Debian chromium + chromium-driver for the browser tests"
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null \
        || echo "setup: could not install chromium; browser tests will be skipped"
    else
      echo "setup: chromium not found and cannot apt-get; browser tests will be skipped"
    fi
  fi
else
  "${PIP[@]}" -e ".[st]"
fi
echo "$sig" > "$stamp"
