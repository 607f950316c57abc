#!/bin/sh
# install-deps.sh [build|test|bench|profile|format|node|fuzz] - installs the Debian packages wsgw needs, if
# any are missing. Uses sudo when not run as root. Idempotent and quiet when
# everything is present.
#   build (default)  what `make run` needs: compiler, CMake, the libraries
#   test             also what `make test` needs: cmocka, Node.js and npm for
#                    the AWS SDK for JavaScript, Debian's boto3 and AWS CLI,
#                    and Chromium for the browser test
#   bench            what `make bench` needs besides the build: Node.js and
#                    npm for the peers, curl
#   profile          what `make profile` needs besides the build: valgrind
#                    (callgrind) and python3; perf is used if present
#   fuzz             also clang and libFuzzer, for `make fuzz` (part of
#                    `make test`)
#   format           only clang-format, for `make format` and `make format-fix`
#   node             only Node.js and npm (Node.js functions: fixtures/node for
#                    `make run`)
set -eu

# `civetweb` (the server binary) is needed because Debian's civetweb CMake
# config references /usr/bin/civetweb.
packages="gcc make cmake pkg-config libcivetweb-dev civetweb libcjson-dev liblmdb-dev libssl-dev libyaml-dev libcurl4-openssl-dev"
# The build configures the tests too (cmocka) unless WSGW_TESTS=OFF; `make
# run` turns them off, so cmocka is a test package.
if [ "${1:-build}" = format ]; then
  packages="clang-format"
fi
if [ "${1:-build}" = bench ]; then
  packages="$packages curl"
fi
if [ "${1:-build}" = node ]; then
  packages=""
fi
if [ "${1:-build}" = profile ]; then
  packages="$packages valgrind python3"
fi
if [ "${1:-build}" = fuzz ]; then
  packages="$packages clang libfuzzer-14-dev"
fi
if [ "${1:-build}" = test ]; then
  packages="$packages libcmocka-dev python3-boto3 awscli chromium"
fi
if [ "${1:-build}" = test ] || [ "${1:-build}" = bench ] || [ "${1:-build}" = node ]; then
  if ! command -v node >/dev/null 2>&1; then
    packages="$packages nodejs"
  fi
  if ! command -v npm >/dev/null 2>&1; then
    packages="$packages npm"
  fi
fi

missing=""
for p in $packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "install-deps: need root or sudo to install:$missing" >&2
  exit 1
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
