#!/bin/sh
# run_scenarios.sh - the regression suites as `wsgw test` scenarios (label
# "regression"; registered in tests/regression/CMakeLists.txt).
#
# usage: run_scenarios.sh WSGW MODE TMPDIR
#   MODE route_selection   `wsgw test route_selection` passes: exit 0 and an
#                          "ok N - FILE" line for every route_selection/*.json
#   MODE gone_410          `wsgw test gone_410` passes the same way (the
#                          directory means its *.json only, so broken/ is not run)
#   MODE catches_bugs      the proof that the 410 suite catches bugs:
#                          gone_410/broken/stale_id_with_broken_handler.json (the
#                          stale-id scenario routed to broken.sendmessage) must
#                          exit 1, with "not ok" and the stale id in the TAP
#                          output and a <failure> naming the id in the JUnit file;
#                          and it must be gone_410/stale_id_cleanup.json with only
#                          the handler changed.
# Runs from its own directory, so the reported file names are relative to
# tests/regression/.
set -u
wsgw=$1
mode=$2
tmp=$3
stale=StaleStaleStal0=
cd "$(dirname "$0")" || exit 1
mkdir -p "$tmp" || exit 1
status=0
fail() {
  echo "FAIL: $*"
  status=1
}
# expect_line FILE LINE: FILE has LINE exactly (fixed string, whole line).
expect_line() {
  grep -qxF -- "$2" "$1" || fail "$1 lacks the line: $2"
}

# suite DIR: every DIR/*.json passes.
suite() {
  "$wsgw" test "$1" >"$tmp/$1.tap" 2>"$tmp/$1.err"
  rc=$?
  cat "$tmp/$1.tap"
  cat "$tmp/$1.err"
  [ "$rc" -eq 0 ] || fail "wsgw test $1: exit $rc, expected 0"
  n=$(ls "$1"/*.json | wc -l)
  [ "$n" -gt 0 ] || fail "$1 has no scenarios"
  expect_line "$tmp/$1.tap" "TAP version 13"
  expect_line "$tmp/$1.tap" "1..$n"
  i=0
  for f in "$1"/*.json; do
    i=$((i + 1))
    expect_line "$tmp/$1.tap" "ok $i - $f"
  done
}

case $mode in
route_selection | gone_410)
  suite "$mode"
  ;;
catches_bugs)
  broken=gone_410/broken/stale_id_with_broken_handler.json
  good=gone_410/stale_id_cleanup.json
  # The broken scenario is the passing one with only the handler swapped
  # (name, description and $schema aside).
  strip() {
    grep -v -e '^  "\$schema":' -e '^  "name":' -e '^  "description":' "$1" |
      sed 's/"broken\.sendmessage"/"chat.sendmessage"/'
  }
  strip "$good" >"$tmp/good.json"
  strip "$broken" >"$tmp/broken.json"
  cmp -s "$tmp/good.json" "$tmp/broken.json" ||
    fail "$broken is not $good with broken.sendmessage: $(diff "$tmp/good.json" "$tmp/broken.json")"
  grep -q '"sendmessage": "broken.sendmessage"' "$broken" || fail "$broken does not route to broken.sendmessage"

  rm -f "$tmp/junit.xml"
  "$wsgw" test --junit "$tmp/junit.xml" "$broken" >"$tmp/broken.tap" 2>"$tmp/broken.err"
  rc=$?
  cat "$tmp/broken.tap"
  cat "$tmp/broken.err"
  [ "$rc" -eq 1 ] || fail "the broken handler: exit $rc, expected 1 (the suite must fail against it)"
  expect_line "$tmp/broken.tap" "1..1"
  expect_line "$tmp/broken.tap" "not ok 1 - $broken"
  grep -F "message:" "$tmp/broken.tap" | grep -qF "$stale" ||
    fail "the TAP failure message does not name the stale id $stale"
  if [ -f "$tmp/junit.xml" ]; then
    grep -F "<failure " "$tmp/junit.xml" | grep -qF "$stale" ||
      fail "the JUnit file has no <failure naming the stale id $stale"
    grep -qF "name=\"$broken\"" "$tmp/junit.xml" || fail "the JUnit file has no testcase $broken"
  else
    fail "no JUnit file written"
  fi
  ;;
*)
  echo "usage: $0 WSGW route_selection|gone_410|catches_bugs TMPDIR" >&2
  exit 2
  ;;
esac
[ "$status" -eq 0 ] && echo "PASS: $mode"
exit "$status"
