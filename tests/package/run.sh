#!/bin/sh
# tests/package/run.sh WORK_DIR CHAT_TEST: `make package`, end to end.
#   1. runs `make package` with its build in WORK_DIR (a Release build of
#      the chat bootstrap, then emulator/bootstrap/package.sh), which must
#      report its GLIBC check passed and leave the zip and its unpacked tree;
#   2. reads the zip's listing: `bootstrap` at its root with mode 0755, and
#      lib/ with libcurl and libcjson;
#   3. unpacks it (cmake -E tar, keeping the modes as Lambda does) and checks
#      that the unpacked bootstrap, with LD_LIBRARY_PATH unset, loads every
#      library other than glibc's from its own lib/;
#   4. runs the chat acceptance test (CHAT_TEST: the integration_chat_broadcast
#      program) with WSGW_BOOTSTRAP set to the unpacked bootstrap, so the
#      zip's program serves $connect, sendmessage and $disconnect through
#      wsgw's Runtime API;
#   5. checks that the GLIBC check can fail: package.sh with WSGW_GLIBC_MAX
#      below what the program needs writes no zip.
# Runs from the repository root. Exits 0, or 1 naming the step.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$1
CHAT_TEST=$2
BUILD=$WORK/build
ZIP=$BUILD/package/chat-bootstrap.zip
UNPACKED=$WORK/unpacked
LOG=$WORK/log

fail() {
  echo "package: FAIL: $*" >&2
  if [ -s "$LOG" ]; then
    echo "--- last output ---" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}
step() { echo "package test: $*"; }

make_package() {
  step "make package in $BUILD"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  # A make of its own, not a sub-make of `make test`.
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$SRC" --no-print-directory package \
    PACKAGE_BUILD="$BUILD" >"$LOG" 2>&1 || fail "make package"
  grep -q '^package: GLIBC check passed' "$LOG" || fail "make package did not report its GLIBC check"
  grep -qF "package: $ZIP (" "$LOG" || fail "make package did not print the zip's path and size"
  [ -s "$ZIP" ] || fail "no $ZIP"
  [ -x "$BUILD/package/chat-bootstrap/bootstrap" ] || fail "no unpacked package/chat-bootstrap/bootstrap"
}

# One line per entry: "-rwxr-xr-x  0 0 0 SIZE DATE NAME" (cmake -E tar tv).
check_listing() {
  step "the zip's root holds bootstrap (0755) and lib/"
  cmake -E tar tvf "$ZIP" >"$WORK/listing" 2>"$LOG" || fail "cmake -E tar tvf $ZIP"
  awk '$NF == "bootstrap"' "$WORK/listing" | grep -q '^-rwxr-xr-x ' ||
    fail "no bootstrap with mode 0755 at the zip's root: $(cat "$WORK/listing")"
  for lib in libcurl.so.4 libcjson.so.1; do
    awk -v n="lib/$lib" '$NF == n' "$WORK/listing" | grep -q . || fail "no lib/$lib in the zip"
  done
  if awk '{print $NF}' "$WORK/listing" | grep -E '(^|/)(libc|libm|ld-linux[^/]*)\.so'; then
    fail "the zip carries glibc's own libraries"
  fi
}

check_unpacked() {
  step "the unpacked bootstrap loads its libraries from its lib/"
  mkdir -p "$UNPACKED"
  (cd "$UNPACKED" && cmake -E tar xf "$ZIP") >"$LOG" 2>&1 || fail "unpack $ZIP"
  [ "$(stat -c %a "$UNPACKED/bootstrap")" = 755 ] || fail "the unpacked bootstrap is not mode 0755"
  env -u LD_LIBRARY_PATH ldd "$UNPACKED/bootstrap" >"$LOG" 2>&1 || fail "ldd of the unpacked bootstrap"
  if grep -q 'not found' "$LOG"; then
    fail "the unpacked bootstrap misses a library"
  fi
  awk '$2 == "=>" {print $1, $3}' "$LOG" | while read -r name path; do
    case $name in
    libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | libresolv.so.* | ld-linux*) ;;
    *) [ "$path" = "$UNPACKED/lib/$name" ] || fail "the unpacked bootstrap loads $name from $path" ;;
    esac
  done
  grep -q "=> $UNPACKED/lib/libcurl.so.4 " "$LOG" || fail "libcurl does not come from lib/"
}

run_chat_test() {
  step "the unpacked bootstrap passes the chat acceptance test"
  (cd "$SRC" && CMOCKA_MESSAGE_OUTPUT=STDOUT WSGW_BOOTSTRAP="$UNPACKED/bootstrap" "$CHAT_TEST") \
    >"$LOG" 2>&1 || fail "the chat acceptance test with the unpacked bootstrap"
  grep -q 'PASSED' "$LOG" || fail "the chat acceptance test reported no PASSED"
}

glibc_check_can_fail() {
  step "package.sh refuses a program that needs a newer glibc"
  if WSGW_GLIBC_MAX=2.2.5 sh "$SRC/emulator/bootstrap/package.sh" "$BUILD/bootstrap/bootstrap" \
    "$WORK/too-new.zip" >"$LOG" 2>&1; then
    fail "package.sh accepted GLIBC_2.34 with WSGW_GLIBC_MAX=2.2.5"
  fi
  grep -q 'glibc newer than 2.2.5 required' "$LOG" || fail "package.sh failed for another reason"
  [ ! -e "$WORK/too-new.zip" ] || fail "package.sh wrote a zip it refused"
  : >"$LOG"
}

make_package
check_listing
check_unpacked
run_chat_test
glibc_check_can_fail
echo "package test: ok ($(wc -c <"$ZIP") bytes)"
