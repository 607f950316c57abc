#!/bin/sh
# emulator/bootstrap/package.sh PROGRAM OUT.zip - a Lambda deployment
# package for the provided.al2023 runtime from a program linked with
# libwsgw_bootstrap (wsgw::bootstrap, pkg-config wsgw-bootstrap): `make
# package` runs it on the chat example; a team runs it on its own program.
#
# The zip holds
#   bootstrap   PROGRAM, mode 0755 (Lambda runs /var/task/bootstrap)
#   lib/        every shared library PROGRAM needs (ldd: the whole closure)
#               except glibc's own, which Amazon Linux 2023 provides
# Checks, each of which fails the package:
#   - PROGRAM carries DT_RPATH $ORIGIN/lib (CMake: BUILD_RPATH "$ORIGIN/lib"
#     and wsgw::bootstrap; pkg-config wsgw-bootstrap has both flags), so the
#     copy in the zip loads its libraries from lib/ before the system's;
#   - every GLIBC_x.y version that bootstrap or a library in lib/ requires
#     (objdump -T) is at most WSGW_GLIBC_MAX (default 2.34, Amazon Linux
#     2023's glibc; Debian 12 has 2.36 but its libraries need at most 2.34);
#   - the staged bootstrap, with LD_LIBRARY_PATH unset, resolves every
#     library other than glibc's from its own lib/.
# The package runs on the architecture it was built on (x86_64 or arm64,
# printed at the end): the Lambda function's architecture must match.
# Needs cmake (which writes the zip, keeping modes), ldd, objdump, readelf.
# Exits 0 with OUT.zip written, 1 with a message naming the failed check.
set -eu

GLIBC_MAX=${WSGW_GLIBC_MAX:-2.34}

fail() {
  echo "package: FAIL: $*" >&2
  exit 1
}

[ $# -eq 2 ] || fail "usage: package.sh PROGRAM OUT.zip"
PROGRAM=$1
case $2 in
/*) OUT=$2 ;;
*) OUT=$(pwd)/$2 ;;
esac
if [ ! -f "$PROGRAM" ] || [ ! -x "$PROGRAM" ]; then
  fail "$PROGRAM is not an executable file"
fi
for tool in cmake ldd objdump readelf; do
  command -v $tool >/dev/null 2>&1 || fail "$tool is needed (Debian: cmake, libc-bin, binutils)"
done

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/wsgw-package.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT INT TERM

# glibc's libraries and the loader: on every Lambda image, never packaged.
# SPEC: docs/spec/lambda-runtime.md 8.2: provided.al2023 brings glibc 2.34.
is_glibc() {
  case $1 in
  linux-vdso.so.* | linux-gate.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libmvec.so.* | \
    libpthread.so.* | libdl.so.* | librt.so.* | libresolv.so.* | libutil.so.* | libanl.so.*)
    return 0 ;;
  esac
  return 1
}

check_rpath() {
  dyn=$(readelf -d "$PROGRAM") || fail "$PROGRAM is not an ELF program"
  printf '%s\n' "$dyn" | grep -q '(NEEDED)' || fail "$PROGRAM is not dynamically linked"
  # SPEC: docs/spec/lambda-runtime.md 8.2: LD_LIBRARY_PATH puts /lib64 and
  # /usr/lib64 before /var/task/lib, so the package's lib/ comes first only
  # through the program's own DT_RPATH.
  # shellcheck disable=SC2016 # $ORIGIN is the loader's, not the shell's
  printf '%s\n' "$dyn" | grep '(RPATH)' | grep -qF '$ORIGIN/lib' ||
    fail "$PROGRAM has no DT_RPATH \$ORIGIN/lib: link it with -Wl,-rpath,'\$ORIGIN/lib' -Wl,--disable-new-dtags (pkg-config --libs wsgw-bootstrap), or in CMake set BUILD_RPATH \"\$ORIGIN/lib\" on a target linking wsgw::bootstrap"
  if printf '%s\n' "$dyn" | grep -q '(RUNPATH)'; then
    fail "$PROGRAM has a DT_RUNPATH, which hides its DT_RPATH from its libraries: link it with -Wl,--disable-new-dtags"
  fi
}

# bootstrap and lib/ from ldd's list ("name => path (address)").
stage() {
  mkdir -p "$STAGE/lib"
  # SPEC: docs/spec/lambda-runtime.md 8.2: Lambda runs `bootstrap` at the
  # zip's root; executables and directories 755, other files readable by all.
  cp "$PROGRAM" "$STAGE/bootstrap"
  chmod 0755 "$STAGE/bootstrap" "$STAGE/lib"
  deps=$(ldd "$PROGRAM") || fail "ldd $PROGRAM failed"
  missing=$(printf '%s\n' "$deps" | awk '/=> not found/ {print $1}')
  [ -z "$missing" ] || fail "$PROGRAM needs libraries not found here: $missing"
  printf '%s\n' "$deps" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' >"$STAGE/deps"
  while read -r name path; do
    is_glibc "$name" && continue
    cp -L "$path" "$STAGE/lib/$name"
    chmod 0644 "$STAGE/lib/$name"
  done <"$STAGE/deps"
  rm "$STAGE/deps"
}

# SPEC: docs/spec/lambda-runtime.md 8.2: a GLIBC_x.y newer than 2.34 does not load.
check_glibc() {
  newest=0
  over=""
  for f in "$STAGE/bootstrap" "$STAGE"/lib/*; do
    [ -f "$f" ] || continue
    v=$(objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    [ -n "$v" ] || continue
    newest=$(printf '%s\n%s\n' "$newest" "$v" | sort -V | tail -n 1)
    if [ "$(printf '%s\n%s\n' "$GLIBC_MAX" "$v" | sort -V | tail -n 1)" != "$GLIBC_MAX" ]; then
      over="$over ${f#"$STAGE"/}:GLIBC_$v"
    fi
  done
  [ -z "$over" ] || fail "glibc newer than $GLIBC_MAX required (build on an older system):$over"
  echo "package: GLIBC check passed: the newest version required is GLIBC_$newest (at most GLIBC_$GLIBC_MAX)"
}

# The staged copy as Lambda will load it: no LD_LIBRARY_PATH of ours.
check_resolution() {
  deps=$(env -u LD_LIBRARY_PATH ldd "$STAGE/bootstrap") || fail "ldd of the staged bootstrap failed"
  printf '%s\n' "$deps" | awk '$2 == "=>" {print $1, $3}' >"$STAGE/deps"
  while read -r name path; do
    is_glibc "$name" && continue
    [ "$path" = "$STAGE/lib/$name" ] || fail "the staged bootstrap loads $name from $path, not from its lib/"
  done <"$STAGE/deps"
  rm "$STAGE/deps"
}

write_zip() {
  mkdir -p "$(dirname "$OUT")"
  rm -f "$OUT"
  # libarchive's zip writer records each entry's Unix mode (bootstrap 0755).
  (cd "$STAGE" && cmake -E tar cf "$OUT" --format=zip --mtime=1980-01-02 -- bootstrap lib) ||
    fail "writing $OUT"
}

check_rpath
stage
check_glibc
check_resolution
write_zip
case $(readelf -h "$STAGE/bootstrap" | sed -n 's/^ *Machine: *//p') in
*X86-64*) arch=x86_64 ;;
*AArch64*) arch=arm64 ;;
*) arch="$(uname -m) (not a Lambda architecture)" ;;
esac
echo "package: $(find "$STAGE/lib" -type f | wc -l) libraries in lib/, architecture $arch"
echo "package: $OUT ($(wc -c <"$OUT") bytes)"
