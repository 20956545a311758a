#!/bin/sh
# Install the system libraries Qt needs (and Xvfb for screenshots) when running as root
# on Debian/Ubuntu. As another user, print what is missing and carry on: the README lists it.
PKGS="libegl1 libgl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 \
libdbus-1-3 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 \
libxcb-xfixes0 libxcb-xkb1 fonts-dejavu-core xvfb xauth"
command -v dpkg-query >/dev/null 2>&1 || exit 0
MISSING=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || MISSING="$MISSING $p"
done
[ -z "$MISSING" ] && exit 0
if [ "$(id -u)" = "0" ]; then
  echo "nnstudio: installing system packages:$MISSING"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $MISSING >/dev/null
else
  echo "nnstudio: note: these system packages are missing (install them as root):$MISSING"
fi
