#!/usr/bin/env bash
# Debian packages Bastion needs beyond Python: ffmpeg (video decoding and the
# vpdq build), Tesseract with Arabic and Latin scripts (OCR), and Chromium for
# the browser tests. Installs only what is missing; needs root (or sudo).
set -euo pipefail

wanted=(ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
        libavdevice-dev libavfilter-dev pkg-config cmake g++
        tesseract-ocr tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-rus chromium)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
# Another apt run (an unattended upgrade, a second checkout setting up) holds apt's locks for a
# while; apt-get's own lock timeout does not cover `update`, so wait here, for ten minutes at most.
apt_get() {
  local attempt errors
  for attempt in $(seq 120); do
    if errors=$(DEBIAN_FRONTEND=noninteractive $sudo apt-get -qq "$@" 2>&1 >/dev/null); then return 0; fi
    grep -q "Could not get lock" <<<"$errors" || { echo "$errors" >&2; return 1; }
    [ "$attempt" -eq 1 ] && echo "apt is busy with another run; waiting for its lock"
    sleep 5
  done
  echo "$errors" >&2
  return 1
}
apt_get update
apt_get install -y --no-install-recommends "${missing[@]}"
