#!/usr/bin/env bash
# Install the one-folder bundle on a control-room workstation (no Python needed there):
#   sudo packaging/install_bundle.sh [BUNDLE_DIR] [DEST]    defaults: out/bundle/cityops  /opt/cityops
# Copies the bundle, links /usr/local/bin/cityops, and adds the menu entry and icon for every user.
# Without root it installs for the current user instead (~/.local/opt/cityops, ~/.local/bin, ~/.local/share).
# BIN_DIR and SHARE_DIR move the link and the menu entry (a staging root, a test).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${1:-$HERE/../out/bundle/cityops}
[ -x "$SRC/cityops" ] || { echo "no bundle at $SRC: build it with ./dev bundle" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
  DEST=${2:-/opt/cityops}; BIN=${BIN_DIR:-/usr/local/bin}; SHARE=${SHARE_DIR:-/usr/share}
else
  DEST=${2:-$HOME/.local/opt/cityops}; BIN=${BIN_DIR:-$HOME/.local/bin}; SHARE=${SHARE_DIR:-$HOME/.local/share}
fi
case "$DEST" in
  */cityops|*/cityops-*) ;;  # it is replaced whole below: refuse anything that does not look like ours
  *) echo "refusing to install into $DEST: the folder's name must be cityops or cityops-*" >&2; exit 1 ;;
esac
DEST=$(mkdir -p "$DEST" && cd "$DEST" && pwd)
# a fresh copy: files of an older version must not linger beside the new ones
rm -rf "$DEST.new" && cp -a "$SRC" "$DEST.new" && rm -rf "$DEST" && mv "$DEST.new" "$DEST"
mkdir -p "$BIN" "$SHARE/applications" "$SHARE/icons/hicolor/scalable/apps" "$SHARE/icons/hicolor/256x256/apps"
ln -sf "$DEST/cityops" "$BIN/cityops"
icons=$DEST/_internal/resources/icons
cp "$icons/cityops.svg" "$SHARE/icons/hicolor/scalable/apps/cityops.svg"
cp "$icons/cityops.png" "$SHARE/icons/hicolor/256x256/apps/cityops.png"
sed "s|@BUNDLE@|$DEST|g" "$HERE/cityops.desktop" > "$SHARE/applications/cityops.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
echo "installed $("$DEST/cityops" --version) in $DEST"
echo "next: a config file (packaging/cityops.example.toml) where \`cityops paths\` says, then \`cityops check-config\`"
