#!/usr/bin/env bash
# Installs reelproof and its test tools into ./.venv (idempotent). Needs Python 3.11+.
# The `likeness` extra (face and voice models, ~2 min, 1.7 GB) and `cluster` (Ray, ~10 s,
# 240 MB) are installed too unless REELPROOF_NO_LIKENESS=1; with them come the test media
# the likeness tests use (Debian's opencv-doc images into .cache/, espeak-ng when apt-get
# may install it).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
[ -x .venv/bin/python ] || "$PY" -m venv .venv
"${PIP[@]}" --upgrade pip
# The browser tests (tests/web) drive Debian's chromium through Playwright's
# executable_path: Playwright's own browser download is never used.
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
    || echo "chromium not installed: the browser tests will skip outside CI"
fi
if [ "${REELPROOF_NO_LIKENESS:-0}" = 1 ]; then
  "${PIP[@]}" -e '.[dev,timelines,web,report]'
else
  "${PIP[@]}" -e '.[dev,timelines,web,report,likeness,cluster]'
  # Its metadata asks for `webrtcvad` (an sdist importing pkg_resources); webrtcvad-wheels
  # in the extra provides the same module.
  "${PIP[@]}" --no-deps resemblyzer==0.1.4
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    if ! command -v espeak-ng >/dev/null; then
      { apt-get update -qq && apt-get install -y -qq espeak-ng >/dev/null; } \
        || echo "espeak-ng not installed: the voice tests that need it will skip"
    fi
    if [ ! -d .cache/opencv-doc ]; then
      (mkdir -p .cache/deb && cd .cache/deb && apt-get download -qq opencv-doc 2>/dev/null) \
        && dpkg -x .cache/deb/opencv-doc_*.deb .cache/opencv-doc && rm -rf .cache/deb \
        || echo "opencv-doc not fetched: the face tests that need its photos will skip"
    fi
  fi
fi
echo "reelproof installed in $(pwd)/.venv"
