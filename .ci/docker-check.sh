#!/usr/bin/env bash
# docker-check.sh - `make docker-check` (run by .ci/run after `make test`):
# builds docker/Dockerfile and runs it for real, then the same through
# docker/compose.yaml, each time with the chat end-to-end check
# (tests/clients/docker_e2e.js) against the published port.
#
#   1. the image: build, run with its ports on 127.0.0.1, wait for its
#      HEALTHCHECK, check the user, /data, its libraries (ldd) and its size
#      (< 120 MB), run the end-to-end check, stop it (SIGTERM must exit 0);
#   2. compose: `config -q` from the repository root and from docker/, then
#      `up -d --build`, wait for healthy, the end-to-end check plus an item
#      put, `down`, `up` again with a config of its own mounted on /config,
#      the item must still be there (the named volume), then `down -v`.
#
# Engine: a Docker engine if `docker info` answers (with `docker compose`, or
# `docker-compose`). Otherwise Debian's podman, as root, with nothing global
# changed: podman is configured by files passed in CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF (runtime runc, ulimits within the hard limits,
# storage and networks under a scratch directory), the base image
# debian:12-slim is made locally with debootstrap from the Debian mirror the
# apt sources name (no registry is needed) and cached as a tarball, and
# Debian's docker-compose (v1) drives a private `podman system service`
# socket. Missing Debian packages are installed (podman runc debootstrap,
# and docker-compose without its Recommends).
#
# Everything the check starts (containers, the compose project, its network
# and volume, the podman service, the scratch storage) is removed by the EXIT
# trap, also on failure; only the base image tarball is kept. Outside the
# scratch directory podman itself still uses two fixed paths that no
# containers.conf setting moves: /run/containers/networks (rootful netavark's
# IPAM and DNS run directory, emptied as networks go) and
# /var/lib/containers/cache (containers/image's blob-info cache).
#
# Environment:
#   WSGW_DOCKER_ENGINE  auto (default), docker or podman
#   WSGW_DOCKER_CACHE   where podman's base image tarball is cached (default
#                       /var/cache/wsgw-docker-check)
#   WSGW_DOCKER_KEEP    1: keep the scratch directory on failure (debugging)
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=bookworm
BASE_TAG=docker.io/library/debian:12-slim
# Bump when build_base changes what it makes (the cache key includes it).
BASE_RECIPE=1
MAX_IMAGE_MB=120
HEALTH_DEADLINE_S=60
START=$(date +%s)

log() { printf '[docker-check %3ss] %s\n' "$(($(date +%s) - START))" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

# ---- The engine -------------------------------------------------------------

ENGINE=${WSGW_DOCKER_ENGINE:-auto}
if [ "$ENGINE" = auto ]; then
  if command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
    ENGINE=docker
  else
    ENGINE=podman
  fi
fi
case $ENGINE in docker | podman) ;; *) die "WSGW_DOCKER_ENGINE: expected auto, docker or podman" ;; esac
if [ "$ENGINE" = podman ] && [ "$(id -u)" -ne 0 ]; then
  die "no Docker engine answers (docker info), and the podman fallback needs root"
fi

# A free TCP port on 127.0.0.1 (other jobs may run on this machine too).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- Clean-up: everything this run started, even on failure -----------------

SCRATCH=""
SERVICE_PID=""
CONTAINER=""
IMAGE=""
PROJECT="wsgwcheck$$"
COMPOSE=()
COMPOSE_UP=0
CHILD=""

# Runs a long step in the background, in a process group of its own, and
# waits for it: a signal then reaches the trap at once (bash defers traps
# until a foreground child ends), and the trap can stop the whole step.
bg() {
  local rc
  set -m
  "$@" &
  CHILD=$!
  set +m
  wait "$CHILD" && rc=0 || rc=$?
  CHILD=""
  return $rc
}

# Stops the step bg is running: SIGTERM to its group, SIGKILL after 30 s.
stop_child() {
  local _
  [ -n "$CHILD" ] || return 0
  kill -TERM -- "-$CHILD" 2>/dev/null
  for _ in $(seq 300); do
    kill -0 -- "-$CHILD" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$CHILD" 2>/dev/null
  wait "$CHILD" 2>/dev/null
  CHILD=""
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  stop_child
  if [ "$COMPOSE_UP" = 1 ]; then
    timeout 120 "${COMPOSE[@]}" -p "$PROJECT" -f docker/compose.yaml down -v --remove-orphans \
      --rmi local >/dev/null 2>&1
  fi
  if [ -n "$CONTAINER" ]; then
    timeout 60 "$ENGINE" rm -fv "$CONTAINER" >/dev/null 2>&1
  fi
  if [ "$ENGINE" = docker ]; then
    # Only what this run made: its image, and the project's leftovers.
    [ -n "$IMAGE" ] && docker rmi -f "$IMAGE" >/dev/null 2>&1
    docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -fv >/dev/null 2>&1
    docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker volume rm >/dev/null 2>&1
    docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker network rm >/dev/null 2>&1
  elif [ -n "${CONTAINERS_CONF:-}" ]; then
    # Every container, volume and network in the scratch storage is this run's.
    timeout 60 podman rm -af -t 0 >/dev/null 2>&1
    timeout 60 podman volume rm -af >/dev/null 2>&1
    timeout 60 podman network prune -f >/dev/null 2>&1
    if [ -n "$SERVICE_PID" ]; then
      kill "$SERVICE_PID" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$SERVICE_PID" 2>/dev/null
      wait "$SERVICE_PID" 2>/dev/null
    fi
    # Layer mounts left by an interrupted run, deepest first.
    findmnt -rn -o TARGET | grep -F "$SCRATCH/" | sort -r | xargs -r -n1 umount -l 2>/dev/null
  fi
  if [ -n "$SCRATCH" ]; then
    if [ "$rc" -ne 0 ] && [ "${WSGW_DOCKER_KEEP:-0}" = 1 ]; then
      log "kept $SCRATCH (WSGW_DOCKER_KEEP=1)"
    else
      rm -rf "$SCRATCH"
    fi
  fi
  if [ "$rc" -eq 0 ]; then
    log "passed ($ENGINE)"
  else
    log "failed ($ENGINE), exit $rc"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Podman: packages, configuration, the base image -------------------------

install_packages() {
  local missing="" nr_missing="" p
  for p in podman runc debootstrap; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  dpkg-query -W -f='${Status}' docker-compose 2>/dev/null | grep -q "install ok installed" ||
    nr_missing="docker-compose"
  [ -z "$missing$nr_missing" ] && return 0
  log "installing:$missing $nr_missing"
  apt-get update -qq
  # shellcheck disable=SC2086
  [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  [ -z "$nr_missing" ] ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
}

# The enabled apt source files of this machine (deb822 .sources and one-line
# .list; *.disabled-by-* and other names are not read by apt).
apt_source_files() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && printf '%s\n' "$f"
  done
  return 0
}

# The first URI of an enabled `deb` source of $SUITE with component main.
apt_mirror() {
  local f
  apt_source_files | while read -r f; do
    case $f in
      *.sources)
        awk -v suite="$SUITE" '
          function flush() {
            if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") &&
                (" " comps " ") ~ / main / && enabled != "no" && uris != "") {
              split(uris, u, " "); print u[1]; exit
            }
            types = suites = comps = uris = enabled = ""
          }
          /^[ \t]*#/ { next }
          /^[ \t]*$/ { flush(); next }
          { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
            if (key == "types") types = $0; else if (key == "suites") suites = $0
            else if (key == "components") comps = $0; else if (key == "uris") uris = $0
            else if (key == "enabled") enabled = tolower($0) }
          END { flush() }' "$f"
        ;;
      *)
        awk -v suite="$SUITE" '
          $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                        if ($(i + 1) == suite) { for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; exit } } }' "$f"
        ;;
    esac
  done | head -n1
}

# Builds a minimal Debian $SUITE root file system the way the official
# debian:12-slim image is made (debuerreotype: minbase, then its "slimify"
# and Docker apt settings), with this machine's apt sources, into tarball $1.
build_base() {
  local out=$1 mirror=$2 rootfs="$SCRATCH/rootfs" f key
  log "base image: debootstrap --variant=minbase $SUITE from $mirror (cold cache; about 3 minutes)"
  mkdir -p "$rootfs"
  if ! bg timeout 480 debootstrap --variant=minbase --foreign "$SUITE" "$rootfs" "$mirror" \
         >"$SCRATCH/debootstrap.log" 2>&1; then
    tail -n 20 "$SCRATCH/debootstrap.log" >&2
    die "debootstrap (first stage) failed"
  fi
  # Before the second stage, so that dpkg already honours them.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup" <<'EOF'
# An image build does not survive a power loss anyway (as debian:12-slim).
force-unsafe-io
EOF
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# The "slim" part of debian:12-slim (debuerreotype-slimify).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
  if ! bg timeout 480 chroot "$rootfs" /debootstrap/debootstrap --second-stage \
         >>"$SCRATCH/debootstrap.log" 2>&1; then
    tail -n 20 "$SCRATCH/debootstrap.log" >&2
    die "debootstrap (second stage) failed"
  fi
  # What the first stage extracted outside dpkg's filters.
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/{groff,info,linda,lintian,man}/* 2>/dev/null || true
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
# No package caches in image layers (as debian:12-slim).
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf 'Acquire::Languages "none";\n' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  printf 'Acquire::GzipIndexes "true";\n' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  # This machine's apt sources (and any key file they name that the rootfs lacks).
  rm -f "$rootfs/etc/apt/sources.list"
  apt_source_files | while read -r f; do
    cp "$f" "$rootfs$f"
    grep -ohE '(signed-by=|Signed-By:[[:space:]]*)/[^] ]+' "$f" | sed -E 's/^(signed-by=|Signed-By:[[:space:]]*)//' |
      while read -r key; do
        if [ ! -e "$rootfs$key" ] && [ -f "$key" ]; then
          mkdir -p "$(dirname "$rootfs$key")"
          cp "$key" "$rootfs$key"
        fi
      done
  done
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/apt/* "$rootfs"/var/log/dpkg.log "$rootfs"/var/log/bootstrap.log
  mkdir -p "$(dirname "$out")"
  tar -C "$rootfs" --numeric-owner -cf "$out.tmp.$$" .
  mv "$out.tmp.$$" "$out"
  rm -rf "$rootfs"
}

setup_podman() {
  local cache mirror key tarball
  install_packages
  mkdir -p "$SCRATCH/tmp" "$SCRATCH/networks"
  cat >"$SCRATCH/containers.conf" <<EOF
# Written by .ci/docker-check.sh; nothing outside $SCRATCH is configured.
[containers]
# Root cannot raise limits here: defaults no higher than the hard limits.
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[network]
network_config_dir = "$SCRATCH/networks"
[engine]
# crun rejects this machine's mixed cgroup v1/v2 layout; runc copes.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$SCRATCH/events.log"
tmp_dir = "$SCRATCH/tmp"
EOF
  cat >"$SCRATCH/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$SCRATCH/run"
graphroot = "$SCRATCH/storage"
EOF
  export CONTAINERS_CONF="$SCRATCH/containers.conf"
  export CONTAINERS_STORAGE_CONF="$SCRATCH/storage.conf"

  mirror=$(apt_mirror)
  [ -n "$mirror" ] || die "no enabled apt source names a $SUITE main mirror (/etc/apt/sources.list*)"
  cache=${WSGW_DOCKER_CACHE:-/var/cache/wsgw-docker-check}
  key=$(printf '%s %s %s' "$mirror" "$SUITE" "$BASE_RECIPE" | sha256sum | cut -c1-16)
  tarball="$cache/debian-$SUITE-slim-$key.tar"
  # A month-old base is rebuilt (security updates come with the mirror).
  if [ -s "$tarball" ] && [ -n "$(find "$tarball" -mtime +30)" ]; then
    rm -f "$tarball"
  fi
  if [ -s "$tarball" ]; then
    log "base image: cached $tarball"
  else
    build_base "$tarball" "$mirror"
  fi
  podman import -q --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$BASE_TAG" >/dev/null
  podman tag "$BASE_TAG" localhost/debian:12-slim
}

# ---- Health, checks ----------------------------------------------------------

# Waits until container $1 is healthy by the image's HEALTHCHECK. Docker runs
# the check on its interval; podman runs it through systemd timers, which
# this machine has not, so here it is run on demand (the same command).
wait_healthy() {
  local c=$1 t0 status
  t0=$(date +%s)
  while :; do
    if [ "$ENGINE" = podman ]; then
      podman healthcheck run "$c" >/dev/null 2>&1 && status=healthy || status=starting
    else
      status=$(docker inspect -f '{{.State.Health.Status}}' "$c" 2>/dev/null || echo gone)
    fi
    [ "$status" = healthy ] && break
    if [ "$(docker_state "$c")" != running ]; then
      "$ENGINE" logs "$c" 2>&1 | tail -n 30 >&2
      die "container $c is $(docker_state "$c"), not running"
    fi
    if [ $(($(date +%s) - t0)) -ge $HEALTH_DEADLINE_S ]; then
      "$ENGINE" logs "$c" 2>&1 | tail -n 30 >&2
      die "container $c not healthy within ${HEALTH_DEADLINE_S}s (last: $status)"
    fi
    sleep 0.2
  done
}

docker_state() { "$ENGINE" inspect -f '{{.State.Status}}' "$1" 2>/dev/null || echo gone; }

# The end-to-end check (tests/clients/docker_e2e.js) against ports $1, $2.
e2e() {
  local port=$1 tls_port=$2
  shift 2
  bg timeout 180 node --no-warnings tests/clients/docker_e2e.js --base "http://127.0.0.1:$port" \
    --tls "https://127.0.0.1:$tls_port" "$@" || die "the end-to-end check failed (port $port)"
}

# Fails unless container $1 publishes its ports on 127.0.0.1 only.
check_loopback_only() {
  local ports
  ports=$("$ENGINE" port "$1")
  log "published: $(echo "$ports" | tr '\n' ' ')"
  [ -n "$ports" ] || die "container $1 publishes no port"
  if echo "$ports" | grep -v -- '-> 127\.0\.0\.1:' | grep -q .; then
    die "container $1 publishes a port beyond 127.0.0.1: $ports"
  fi
}

# ---- 1. The image ------------------------------------------------------------

[ -d tests/clients/node_modules/ws ] || die "tests/clients/node_modules is missing: run \`make node-deps\`"
SCRATCH=$(mktemp -d /var/tmp/wsgw-docker-check.XXXXXX)
if [ "$ENGINE" = podman ]; then
  setup_podman
  BUILD=(podman build --pull=never --format docker)
else
  BUILD=(docker build)
fi
IMAGE="localhost/wsgw-docker-check:$$"
log "building docker/Dockerfile ($ENGINE)"
t0=$(date +%s)
# The build's output, each line stamped with the time (shown on failure).
build_image() {
  timeout 600 "${BUILD[@]}" -f docker/Dockerfile -t "$IMAGE" . 2>&1 |
    while IFS= read -r line; do printf '%s %s\n' "$(date +%T)" "$line"; done >"$SCRATCH/build.log"
}
bg build_image || {
  tail -n 40 "$SCRATCH/build.log" >&2
  die "the image did not build"
}
log "built in $(($(date +%s) - t0))s; the slow steps:"
# Each build step's duration (from the time stamps), 10 s or more.
awk '
  function secs(t) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
  function flush(end) { if (name != "" && end - start >= 10) printf "  %4ds  %s\n", end - start, name }
  / STEP [0-9]+\/[0-9]+: / { now = secs($1); flush(now); start = now; name = substr($0, index($0, "STEP"), 90) }
  { last = secs($1) }
  END { flush(last) }' "$SCRATCH/build.log" >&2

size=$("$ENGINE" image inspect -f '{{.Size}}' "$IMAGE")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1000000 }')
log "image size: $size_mb MB"
awk -v s="$size" -v m="$MAX_IMAGE_MB" 'BEGIN { exit !(s < m * 1000000) }' ||
  die "the runtime image is $size_mb MB, more than $MAX_IMAGE_MB MB"
[ "$("$ENGINE" image inspect -f '{{.Config.User}}' "$IMAGE")" = wsgw ] || die "the image does not run as user wsgw"
"$ENGINE" image inspect -f '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q 'wsgw' ||
  die "the image has no HEALTHCHECK running wsgw health"

port=$(free_port)
tls_port=$(free_port)
CONTAINER="wsgw-docker-check-$$"
t0=$(date +%s)
"$ENGINE" run -d --name "$CONTAINER" -p "127.0.0.1:$port:8080" -p "127.0.0.1:$tls_port:8443" "$IMAGE" \
  >"$SCRATCH/run.log" 2>&1 || { cat "$SCRATCH/run.log" >&2; die "the container did not start"; }
wait_healthy "$CONTAINER"
log "container healthy $(($(date +%s) - t0))s after run"
check_loopback_only "$CONTAINER"
[ "$("$ENGINE" exec "$CONTAINER" id -u)" = 10001 ] || die "wsgw does not run as uid 10001"
[ "$("$ENGINE" exec "$CONTAINER" stat -c %U /data)" = wsgw ] || die "/data is not owned by wsgw"
"$ENGINE" exec "$CONTAINER" sh -c 'command -v curl wget' >/dev/null && die "the runtime image carries curl or wget"
missing=$("$ENGINE" exec "$CONTAINER" sh -c 'ldd /usr/local/bin/wsgw' | grep 'not found' || true)
[ -z "$missing" ] || die "wsgw's libraries are missing from the image: $missing"
e2e "$port" "$tls_port"
"$ENGINE" stop -t 20 "$CONTAINER" >/dev/null 2>&1
code=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$CONTAINER")
[ "$code" = 0 ] || { "$ENGINE" logs "$CONTAINER" 2>&1 | tail -n 20 >&2; die "wsgw exited $code on SIGTERM"; }
"$ENGINE" rm -fv "$CONTAINER" >/dev/null 2>&1
CONTAINER=""
log "image: passed"

# ---- 2. compose --------------------------------------------------------------

if [ "$ENGINE" = docker ] && docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  command -v docker-compose >/dev/null 2>&1 || die "neither \`docker compose\` nor docker-compose is installed"
  COMPOSE=(docker-compose)
fi
"${COMPOSE[@]}" -f docker/compose.yaml config -q || die "compose config (from the repository root)"
(cd docker && "${COMPOSE[@]}" config -q) || die "compose config (from docker/)"

if [ "$ENGINE" = podman ]; then
  sock="$SCRATCH/podman.sock"
  podman system service --time=0 "unix://$sock" >"$SCRATCH/service.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 100); do
    podman --url "unix://$sock" version >/dev/null 2>&1 && break
    kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$SCRATCH/service.log" >&2; die "podman system service exited"; }
    sleep 0.1
  done
  export DOCKER_HOST="unix://$sock"
fi
export WSGW_PORT WSGW_TLS_PORT
WSGW_PORT=$(free_port)
WSGW_TLS_PORT=$(free_port)
DC=("${COMPOSE[@]}" -p "$PROJECT" -f docker/compose.yaml)

COMPOSE_UP=1
t0=$(date +%s)
bg timeout 600 "${DC[@]}" up -d --build >"$SCRATCH/compose.log" 2>&1 || {
  tail -n 40 "$SCRATCH/compose.log" >&2
  die "compose up failed"
}
t1=$(date +%s)
CID=$("${DC[@]}" ps -q wsgw)
[ -n "$CID" ] || die "compose up started no wsgw container"
wait_healthy "$CID"
log "compose: healthy $(($(date +%s) - t0))s after \`up -d --build\` (which took $((t1 - t0))s)"
check_loopback_only "$CID"
marker="survivor-$$-$(date +%s)"
e2e "$WSGW_PORT" "$WSGW_TLS_PORT" --put "$marker"

"${DC[@]}" down >"$SCRATCH/compose.log" 2>&1 || { cat "$SCRATCH/compose.log" >&2; die "compose down failed"; }

# Up again, now with a team's own config through the documented mount point
# (/config): the chat app plus a table of its own. The named volume must
# still hold the item put above.
app="$SCRATCH/app"
mkdir -m 0755 "$app"
node -e '
  const fs = require("node:fs");
  const c = JSON.parse(fs.readFileSync("fixtures/chat-app.json", "utf8"));
  c.tables.push({ TableName: "TeamItems", BillingMode: "PAY_PER_REQUEST",
                  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
                  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }] });
  fs.writeFileSync(process.argv[1], JSON.stringify(c, null, 2), { mode: 0o644 });' "$app/team-app.json"
t0=$(date +%s)
WSGW_CONFIG_DIR=$app WSGW_CONFIG=team-app.json "${DC[@]}" up -d >"$SCRATCH/compose.log" 2>&1 ||
  { cat "$SCRATCH/compose.log" >&2; die "compose up (again, own config) failed"; }
t1=$(date +%s)
CID=$("${DC[@]}" ps -q wsgw)
[ -n "$CID" ] || die "the second compose up started no wsgw container"
wait_healthy "$CID"
log "compose: healthy $(($(date +%s) - t0))s after \`up -d\` (which took $((t1 - t0))s; image built)"
e2e "$WSGW_PORT" "$WSGW_TLS_PORT" --expect "$marker" --table TeamItems
"${DC[@]}" down -v >"$SCRATCH/compose.log" 2>&1 || { cat "$SCRATCH/compose.log" >&2; die "compose down -v failed"; }
COMPOSE_UP=0
log "compose: passed (own config mounted; the item put before \`down\` was read after \`up\`)"
