#!/usr/bin/env bash
# Install what Debrief needs on a fresh Debian 12 machine, skipping what is
# already there. Safe to run repeatedly; sourced by run.sh and test.sh.
set -euo pipefail

DEBIAN_PACKAGES=(
  build-essential pkg-config file nasm libclang-dev   # compilers; nasm for openh264's assembly, libclang for nokhwa's bindgen
  libssl-dev libasound2-dev libopus-dev                 # cpal (ALSA), opus
  ffmpeg                                                # the judge of media in tests, fixture maker
  espeak-ng sox alsa-utils                              # real speech through a fake ALSA microphone in tests
  dbus gnome-keyring libsecret-tools                    # a real Secret Service (keyring) and NetworkManager stand-in in tests
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev   # the Tauri app
  gstreamer1.0-libav                                    # H.264 playback in the WebKitGTK webview
  xvfb xauth imagemagick webkit2gtk-driver              # the app headless, screenshots, WebDriver end-to-end tests
  postgresql nginx curl                                 # the team server scaled out: PostgreSQL, a load balancer (scripts/scale-env.sh)
)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: need root (or sudo) to install: $*" >&2; return 1; fi
}

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "error: cargo not found; install Rust 1.95 with rustup (https://rustup.rs)" >&2
  exit 1
fi
for c in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
    rustup component add "$c" >&2 || true
  fi
done

# One build directory outside the clone, reused by every run and by CI.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  if [ -d /work ] && [ -w /work ]; then export CARGO_TARGET_DIR=/work/cargo-target; else export CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/debrief/target"; fi
fi
mkdir -p "$CARGO_TARGET_DIR"
