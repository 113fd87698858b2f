#!/usr/bin/env bash
# Installs reelproof and its test tools into ./.venv (idempotent). Needs Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,timelines,web,report]'
echo "reelproof installed in $(pwd)/.venv"
