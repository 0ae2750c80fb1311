#!/usr/bin/env bash
# Debian packages Bastion needs beyond Python. Installs only what is missing; needs root (or sudo).
#   install-system-deps.sh runtime   what the product needs to install and run (`make demo`): ffmpeg for
#                                    video, Tesseract with Arabic and Latin scripts for OCR, and g++ to build
#                                    pdqhash (PyPI has no wheel of it)
#   install-system-deps.sh test      runtime, plus Chromium for the browser tests and the libav*-dev headers
#                                    and build tools for Meta's vpdq (`make test`)
set -euo pipefail

runtime=(ffmpeg tesseract-ocr tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-fra tesseract-ocr-rus g++)
test_and_build=(chromium libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
                libavdevice-dev libavfilter-dev pkg-config cmake)

case "${1:-runtime}" in
  runtime) wanted=("${runtime[@]}") ;;
  test) wanted=("${runtime[@]}" "${test_and_build[@]}") ;;
  *) echo "usage: $0 [runtime|test]" >&2; exit 2 ;;
esac
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
