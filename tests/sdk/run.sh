#!/bin/sh
# tests/sdk/run.sh BUILD_DIR WORK_DIR CC NODE: the installed SDK, end to end.
#   1. installs the SDK from the test build into a scratch prefix;
#   2. checks what was installed (public headers only) and that the wsgw
#      binary exports exactly the handler API of <wsgw/handler.h>;
#   3. builds examples/chat-lib out of tree against the prefix with CMake
#      (find_package) and with pkg-config and plain cc (its Makefile), and
#      checks that each .so exports wsgw_handlers and links no wsgw code;
#      The README's handler example ("Writing handlers") is built the same way;
#   3b. builds the example's Lambda bootstrap both ways (wsgw::bootstrap,
#      pkg-config wsgw-bootstrap): each has the RPATH $ORIGIN/lib, exits 2
#      without AWS_LAMBDA_RUNTIME_API, and, served by the installed wsgw as
#      the provided.al2023 chat functions, answers a WebSocket client's
#      $connect and sendmessage (tests/sdk/chat_once.js, with NODE); the
#      example's bootstrap_zip target zips it with the installed package.sh;
#   4. builds tests/sdk/kit/kit_hello.c against the installed kit with
#      find_package and with pkg-config, and runs both;
#   5. configures a project that pulls wsgw in with add_subdirectory: wsgw's
#      tests stay off, and Node (their dependency) is never looked for;
#   6. serves a copy of examples/chat-lib, built against the prefix, with the
#      installed `wsgw serve --handlers`, and rebuilds it (new code, then a
#      library that cannot load, then one missing a routed name) while one
#      WebSocket client stays connected (tests/sdk/reload.js, with NODE).
# One function per step, the places in variables. Exits 0, or 1 naming the step.
set -eu

SRC=$(cd "$(dirname "$0")/../.." && pwd)
# `run.sh variant APP_SRC NAME`: reload.js's rebuild commands edit the app's
# copy through this (write_variant below).
if [ "${1:-}" = variant ]; then
  MODE=variant
  APP_SRC=$2
  VARIANT=$3
else
  MODE=all
fi

if [ $MODE = all ]; then
  BUILD=$(cd "$1" && pwd)
  WORK=$2
  CC=${3:-cc}
  NODE=${4:-node}
  PREFIX=$WORK/prefix
  LIB_CMAKE_BUILD=$WORK/chatlib-cmake
  LIB_PC_BUILD=$WORK/chatlib-pkgconfig
  BOOT_CONFIG=$WORK/chat-bootstrap.json
  KIT_CMAKE_BUILD=$WORK/kit-cmake
  KIT_PC_BUILD=$WORK/kit-pkgconfig
  README_BUILD=$WORK/readme-example
  OUTER=$WORK/outer
  APP_SRC=$WORK/app-src
  APP_BUILD=$WORK/app-build
  SERVE_LOG=$WORK/serve.log
  LOG=$WORK/log
  WSGW=$PREFIX/bin/wsgw
fi

fail() {
  echo "sdk: FAIL: $*" >&2
  if [ -s "$LOG" ]; then
    echo "--- last output ---" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}
step() { echo "sdk: $*"; }
# Runs a command with its output in $LOG (shown on failure).
quiet() { "$@" >"$LOG" 2>&1; }

install_sdk() {
  step "install into $PREFIX"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  quiet cmake --install "$BUILD" --prefix "$PREFIX" || fail "cmake --install"
  for f in bin/wsgw include/wsgw/handler.h include/wsgw/kit.h lib/libwsgw_kit.a \
           lib/libwsgw_core.a lib/libwsgw_handlers.a lib/wsgw/libssl.so \
           lib/cmake/wsgw/wsgwConfig.cmake lib/cmake/wsgw/wsgwConfigVersion.cmake \
           lib/pkgconfig/wsgw.pc lib/libwsgw_bootstrap.a lib/pkgconfig/wsgw-bootstrap.pc \
           share/wsgw/package.sh; do
    [ -e "$PREFIX/$f" ] || fail "not installed: $f"
  done
  headers=$(cd "$PREFIX/include" && find . -type f | sort | tr '\n' ' ')
  [ "$headers" = "./wsgw/handler.h ./wsgw/kit.h " ] || fail "installed headers: $headers"
  "$WSGW" --version >"$LOG" 2>&1 || fail "the installed wsgw does not run"
}

# The wsgw_* symbols the binary exports are exactly the functions declared in
# handler.h (and so exactly handler.dynlist); no handler of its own is exported.
check_exports() {
  step "wsgw exports the handler API and nothing else of its own"
  declared=$(sed -n '/^typedef/d; s/^[a-z].*[ *]\(wsgw_[a-z_]*\)(.*/\1/p' "$SRC/include/wsgw/handler.h" | sort -u)
  exported=$(nm -D --defined-only "$WSGW" | awk '{print $3}' | grep '^wsgw_' | sort -u)
  [ -n "$declared" ] || fail "no function found in handler.h"
  [ "$declared" = "$exported" ] ||
    fail "exported wsgw_* differ from handler.h: declared [$declared] exported [$exported]"
  if nm -D --defined-only "$WSGW" | awk '{print $3}' | grep -E '^(chat|diag|broken|emu_server|wsgw_kit)_'; then
    fail "wsgw exports internal symbols"
  fi
}

# $1: the .so. It defines wsgw_handlers, leaves the handler API undefined (to
# bind to the process's) and needs no wsgw library.
check_library() {
  nm -D --defined-only "$1" | awk '{print $3}' | grep -qx wsgw_handlers ||
    fail "$1 does not export wsgw_handlers"
  nm -D --undefined-only "$1" | awk '{print $2}' | grep -qx wsgw_response ||
    fail "$1 does not take wsgw_response from the process"
  if nm -D --defined-only "$1" | awk '{print $3}' | grep -qx wsgw_response; then
    fail "$1 carries its own copy of the handler API"
  fi
}

# $1: a bootstrap program. It carries the handler table and the RPATH the
# package needs, and outside Lambda says so and exits 2.
check_bootstrap() {
  [ -x "$1" ] || fail "no $1"
  nm "$1" | awk '{print $NF}' | grep -qx wsgw_handlers || fail "$1 has no wsgw_handlers"
  # shellcheck disable=SC2016 # the loader's $ORIGIN
  readelf -d "$1" | grep '(RPATH)' | grep -qF '$ORIGIN/lib' || fail "$1 has no DT_RPATH \$ORIGIN/lib"
  status=0
  env -u AWS_LAMBDA_RUNTIME_API "$1" >"$LOG" 2>&1 || status=$?
  [ $status -eq 2 ] || fail "$1 without AWS_LAMBDA_RUNTIME_API exited $status, not 2"
  grep -q 'AWS_LAMBDA_RUNTIME_API is not set' "$LOG" || fail "$1 did not say why it stopped"
}

# Starts the installed `wsgw serve --config CONFIG [ARG...] --port 0
# --in-memory` with its output in $SERVE_LOG; sets pid and port.
start_wsgw() {
  # Emptied here, not only by the child's redirection: the loop below could
  # otherwise read the previous server's port before the child truncates.
  : >"$SERVE_LOG"
  "$WSGW" serve --config "$@" --port 0 --in-memory >"$SERVE_LOG" 2>&1 &
  pid=$!
  port=
  i=0
  while [ $i -lt 100 ] && [ -z "$port" ]; do
    port=$(sed -n 's|^wsgw [^ ]* ready on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$SERVE_LOG")
    [ -n "$port" ] || sleep 0.1
    i=$((i + 1))
  done
  if [ -z "$port" ]; then
    kill "$pid" 2>/dev/null || true
    cp "$SERVE_LOG" "$LOG"
    fail "wsgw serve --config $* did not start"
  fi
}

# $1: a bootstrap program, served as the chat functions of
# fixtures/chat-bootstrap.json (provided.al2023) by the installed wsgw.
serve_bootstrap() {
  step "serve $1 as provided.al2023 functions; one chat round trip"
  sed "s|\"command\": \[[^]]*\]|\"command\": [\"$1\"]|" "$SRC/fixtures/chat-bootstrap.json" >"$BOOT_CONFIG"
  grep -qF "[\"$1\"]" "$BOOT_CONFIG" || fail "no command in fixtures/chat-bootstrap.json"
  start_wsgw "$BOOT_CONFIG"
  status=0
  "$NODE" "$SRC/tests/sdk/chat_once.js" "ws://127.0.0.1:$port/dev" "$SERVE_LOG" >"$LOG" 2>&1 || status=$?
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  [ $status -eq 0 ] || fail "the chat round trip through $1 (tests/sdk/chat_once.js)"
}

# The example's bootstrap_zip target: the installed package.sh on its program.
# The SDK under test is the sanitized test build, whose bootstrap carries the
# ASan runtime (libstdc++, libgcc_s: this machine's glibc), so the glibc
# limit here is this machine's; tests/package checks Lambda's on a Release build.
package_bootstrap() {
  step "examples/chat-lib's bootstrap_zip (the installed package.sh)"
  WSGW_GLIBC_MAX=$(getconf GNU_LIBC_VERSION | sed 's/^glibc //') \
    quiet cmake --build "$LIB_CMAKE_BUILD" --target bootstrap_zip || fail "cmake --build --target bootstrap_zip"
  quiet cmake -E tar tvf "$LIB_CMAKE_BUILD/chat-bootstrap.zip" || fail "read chat-bootstrap.zip"
  awk '$NF == "bootstrap"' "$LOG" | grep -q '^-rwxr-xr-x ' || fail "no bootstrap (0755) at the zip's root"
  awk '$NF == "lib/libcurl.so.4"' "$LOG" | grep -q . || fail "no lib/libcurl.so.4 in the zip"
}

build_library_cmake() {
  step "examples/chat-lib with find_package(wsgw)"
  quiet cmake -S "$SRC/examples/chat-lib" -B "$LIB_CMAKE_BUILD" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_PREFIX_PATH="$PREFIX" || fail "configure examples/chat-lib"
  quiet cmake --build "$LIB_CMAKE_BUILD" || fail "build examples/chat-lib"
  check_library "$LIB_CMAKE_BUILD/libchatlib.so"
  check_bootstrap "$LIB_CMAKE_BUILD/bootstrap"
}

build_library_pkgconfig() {
  step "examples/chat-lib with pkg-config (its Makefile, plain cc)"
  mkdir -p "$LIB_PC_BUILD"
  PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig quiet make -f "$SRC/examples/chat-lib/Makefile" \
    -C "$LIB_PC_BUILD" CC="$CC" || fail "make examples/chat-lib"
  check_library "$LIB_PC_BUILD/libchatlib.so"
  PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig quiet make -f "$SRC/examples/chat-lib/Makefile" \
    -C "$LIB_PC_BUILD" CC="$CC" bootstrap || fail "make bootstrap in examples/chat-lib"
  check_bootstrap "$LIB_PC_BUILD/bootstrap"
}

# The first C block of the README's "Writing handlers", as a handler library.
build_readme_example() {
  step "the README's handler example with pkg-config"
  mkdir -p "$README_BUILD"
  awk '/^## Writing handlers/ {in_section = 1} in_section && /^```c$/ {code = 1; next}
       code && /^```$/ {exit} code {print}' "$SRC/README.md" >"$README_BUILD/app.c"
  [ -s "$README_BUILD/app.c" ] || fail "no C example under the README's Writing handlers"
  # shellcheck disable=SC2046 # word splitting of the flags is intended
  quiet "$CC" -std=c11 -fPIC -shared -Wall -Wextra -Werror -o "$README_BUILD/libapp.so" \
    "$README_BUILD/app.c" $(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags wsgw) ||
    fail "cc the README's handler example"
  check_library "$README_BUILD/libapp.so"
}

build_kit_cmake() {
  step "a kit program with find_package(wsgw)"
  quiet cmake -S "$SRC/tests/sdk/kit" -B "$KIT_CMAKE_BUILD" -DCMAKE_C_COMPILER="$CC" \
    -DCMAKE_PREFIX_PATH="$PREFIX" || fail "configure the kit program"
  quiet cmake --build "$KIT_CMAKE_BUILD" || fail "build the kit program"
  quiet "$KIT_CMAKE_BUILD/kit_hello" || fail "the kit program (find_package) failed"
}

build_kit_pkgconfig() {
  step "a kit program with pkg-config"
  mkdir -p "$KIT_PC_BUILD"
  # shellcheck disable=SC2046 # word splitting of the flags is intended
  PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig quiet "$CC" -std=c11 -o "$KIT_PC_BUILD/kit_hello" \
    "$SRC/tests/sdk/kit/kit_hello.c" $(PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig pkg-config --cflags --libs wsgw) ||
    fail "cc the kit program"
  quiet "$KIT_PC_BUILD/kit_hello" || fail "the kit program (pkg-config) failed"
}

# A project that uses wsgw for the kit: wsgw is not the top-level project, so
# its tests (Node, Chromium) are off and configuring never looks for node
# (no NODE in the cache).
configure_as_subproject() {
  step "a project with add_subdirectory(wsgw): no tests, no node"
  mkdir -p "$OUTER/src"
  cat >"$OUTER/src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(outer LANGUAGES C)
add_subdirectory("$SRC" wsgw)
add_executable(kit_hello "$SRC/tests/sdk/kit/kit_hello.c")
target_link_libraries(kit_hello PRIVATE wsgw_kit)
CMAKE
  quiet cmake -S "$OUTER/src" -B "$OUTER/build" -DCMAKE_C_COMPILER="$CC" ||
    fail "configure a project using add_subdirectory(wsgw)"
  grep -q '^WSGW_TESTS:BOOL=OFF$' "$OUTER/build/CMakeCache.txt" ||
    fail "WSGW_TESTS is not off in a project that pulls wsgw in"
  if grep -q '^NODE:' "$OUTER/build/CMakeCache.txt"; then
    fail "configuring wsgw as a subproject looked for node"
  fi
}

# The team's edit-rebuild loop: sendmessage rewritten to post "v2", then two
# broken builds. Each replaces $APP_BUILD/libchatlib.so as a build does.
write_variant() {
  case $1 in
  v2) cat >"$APP_SRC/chatlib.c" <<'C'
#include "chat.h"

static cJSON *v2_sendmessage(const cJSON *event, struct wsgw_ctx *ctx) {
  char endpoint[256];
  const char *id = wsgw_connection_id(ctx);

  if (!id || wsgw_management_endpoint(event, endpoint, sizeof endpoint) != 0)
    return wsgw_fail(ctx, "v2: no connection id or endpoint in the event");
  if (wsgw_post_to_connection(ctx, endpoint, id, "v2", 2) != 200)
    return wsgw_fail(ctx, "v2: the post failed");
  return wsgw_response(200, NULL);
}

WSGW_HANDLERS({"chatlib.connect", chat_connect},
              {"chatlib.disconnect", chat_disconnect},
              {"chatlib.sendmessage", v2_sendmessage});
C
    ;;
  broken) cat >>"$APP_SRC/chatlib.c" <<'C'

/* Links (a shared object may leave symbols undefined), cannot load. */
void wsgw_not_a_function(void);
void chatlib_broken(void) { wsgw_not_a_function(); }
C
    ;;
  missing) sed -i 's/"chatlib.sendmessage"/"chatlib.renamed"/; /wsgw_not_a_function/d; /chatlib_broken/d' \
             "$APP_SRC/chatlib.c" ;;
  esac
}

serve_and_reload() {
  step "serve examples/chat-lib with --handlers; rebuild it under a connected client"
  rm -rf "$APP_SRC" "$APP_BUILD"
  cp -r "$SRC/examples/chat-lib" "$APP_SRC"
  quiet cmake -S "$APP_SRC" -B "$APP_BUILD" -DCMAKE_C_COMPILER="$CC" -DCMAKE_PREFIX_PATH="$PREFIX" ||
    fail "configure the app"
  quiet cmake --build "$APP_BUILD" --target chatlib || fail "build the app"
  start_wsgw "$APP_SRC/chat-lib.json" --handlers "$APP_BUILD/libchatlib.so"
  # The library only: a broken variant would not link as the bootstrap.
  build="cmake --build '$APP_BUILD' --target chatlib >/dev/null"
  self="sh '$SRC/tests/sdk/run.sh' variant '$APP_SRC'"
  status=0
  REBUILD_V2="$self v2 && $build" REBUILD_BROKEN="$self broken && $build" \
    REBUILD_MISSING="$self missing && $build" \
    "$NODE" "$SRC/tests/sdk/reload.js" "ws://127.0.0.1:$port/dev" "$SERVE_LOG" || status=$?
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  [ $status -eq 0 ] || { cp "$SERVE_LOG" "$LOG"; fail "the reload check (tests/sdk/reload.js)"; }
}

if [ $MODE = variant ]; then
  write_variant "$VARIANT"
  exit 0
fi

install_sdk
check_exports
build_library_cmake
build_library_pkgconfig
serve_bootstrap "$LIB_CMAKE_BUILD/bootstrap"
serve_bootstrap "$LIB_PC_BUILD/bootstrap"
package_bootstrap
build_readme_example
build_kit_cmake
build_kit_pkgconfig
(configure_as_subproject)
serve_and_reload
echo "sdk: ok"
