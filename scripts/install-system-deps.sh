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
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
