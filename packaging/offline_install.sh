#!/usr/bin/env bash
# Offline install from source, in two halves (packaging/README.md tells the whole story):
#   packaging/offline_install.sh wheelhouse DIR       on a connected machine: every pinned package as a wheel
#   packaging/offline_install.sh install DIR [VENV]   on the control-room machine, no network: a venv from DIR
#   packaging/offline_install.sh rehearse DIR VENV    both, then prove the venv runs (version, paths, a screenshot)
# The connected machine must have the same OS, CPU and Python minor version as the control room.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
log() { printf '[offline] %s\n' "$*" >&2; }

wheelhouse() {
  local dir=$1
  mkdir -p "$dir"
  # constraints.txt pins every package the console, its tests and the bundle use; take them all
  "$PYTHON" -m pip download --disable-pip-version-check -q -d "$dir" --only-binary=:all: -r "$HERE/constraints.txt"
  # what pip needs to build this project itself (pyproject.toml's build-system)
  "$PYTHON" -m pip download --disable-pip-version-check -q -d "$dir" --only-binary=:all: "setuptools>=68" wheel pip
  cp "$HERE/constraints.txt" "$dir/"
  log "$(find "$dir" -name '*.whl' | wc -l) wheels, $(du -sh "$dir" | cut -f1) in $dir"
}

install() {
  local dir=$1 venv=${2:-$HERE/.venv}
  "$PYTHON" -m venv "$venv"
  # --no-index: pip must not even try the network; everything comes from the wheelhouse. Not editable:
  # the built wheel carries resources/ (setup.py), so the checkout may be removed afterwards.
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$dir" --upgrade pip
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$dir" \
    -c "$dir/constraints.txt" "$HERE[dev]"
  log "installed into $venv: $("$venv/bin/cityops" --version)"
}

rehearse() {
  local dir=$1 venv=$2 out
  wheelhouse "$dir"
  rm -rf "$venv"
  # no proxy and an unreachable index: any attempt to reach the network fails loudly
  http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 PIP_INDEX_URL=http://127.0.0.1:9/simple \
    install "$dir" "$venv"
  out=$(mktemp -d)
  # run from elsewhere, so nothing can come from the checkout: the installed copy must be complete
  cd "$out"
  "$venv/bin/python" -c 'import console.resources as r; p = r.resources_dir(); print("resources:", p); assert "site-packages" in str(p)'
  "$venv/bin/cityops" --version
  CITYOPS_DATA_DIR="$out/data" "$venv/bin/cityops" paths
  (cd "$out" && CITYOPS_DATA_DIR="$out/data" QT_QPA_PLATFORM=offscreen \
    QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox --disable-gpu" \
    "$venv/bin/cityops" demo --screenshot "$out/offline.png" --quit-after 8)
  test -s "$out/offline.png" && log "screenshot from the offline venv: $out/offline.png"
}

cmd=${1:-}; [ $# -gt 0 ] && shift
case "$cmd" in
  wheelhouse) wheelhouse "${1:?wheelhouse DIR}" ;;
  install) install "${1:?install DIR [VENV]}" "${2:-}" ;;
  rehearse) rehearse "${1:?rehearse DIR VENV}" "${2:?rehearse DIR VENV}" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
