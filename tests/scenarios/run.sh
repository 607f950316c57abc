#!/bin/sh
# run.sh - the ctest of `wsgw test` (label "scenarios"):
#   1. every tests/scenarios/*.json passes: exit 0, a TAP "ok" line each;
#   2. each invalid/*.json exits 2 with exactly its line of invalid/expected.txt
#      on stderr and nothing on stdout;
#   3. failing/ (scenarios that MUST fail) exits 1 with the TAP diagnostics
#      and the JUnit file expected;
#   4. --fail-fast reports the scenarios it did not start as SKIP;
#   5. usage errors exit 2.
# usage: run.sh WSGW TMPDIR   (run from anywhere; it cds to its own directory)
set -u
wsgw=$1
tmp=$2
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

# 1. The example scenarios pass.
"$wsgw" test --jobs 3 ./*.json >"$tmp/pass.tap" 2>"$tmp/pass.err"
rc=$?
cat "$tmp/pass.tap"
[ "$rc" -eq 0 ] || { fail "scenarios: exit $rc, expected 0"; cat "$tmp/pass.err"; }
n=$(ls ./*.json | wc -l)
expect_line "$tmp/pass.tap" "TAP version 13"
expect_line "$tmp/pass.tap" "1..$n"
i=0
for f in ./*.json; do
  i=$((i + 1))
  expect_line "$tmp/pass.tap" "ok $i - $f"
done

# 2. Each invalid scenario: exit 2 and its one line.
for f in invalid/*.json; do
  want=$(grep -F "$f: " invalid/expected.txt)
  [ -n "$want" ] || { fail "$f has no line in invalid/expected.txt"; continue; }
  "$wsgw" test "$f" >"$tmp/invalid.out" 2>"$tmp/invalid.err"
  rc=$?
  [ "$rc" -eq 2 ] || fail "$f: exit $rc, expected 2"
  [ -s "$tmp/invalid.out" ] && fail "$f: something on stdout"
  [ "$(cat "$tmp/invalid.err")" = "$want" ] ||
    fail "$f: got \"$(cat "$tmp/invalid.err")\", expected \"$want\""
done
# A valid scenario next to an invalid one: nothing runs.
"$wsgw" test chat.json invalid/two_verbs.json >"$tmp/mixed.out" 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "valid + invalid: exit $rc, expected 2"
grep -q '^ok' "$tmp/mixed.out" && fail "valid + invalid: a scenario ran"

# 3. Scenarios that must fail, with --junit.
rm -f "$tmp/junit.xml"
"$wsgw" test --junit "$tmp/junit.xml" failing >"$tmp/fail.tap" 2>"$tmp/fail.err"
rc=$?
cat "$tmp/fail.tap"
[ "$rc" -eq 1 ] || fail "failing: exit $rc, expected 1"
t="$tmp/fail.tap"
expect_line "$t" "1..3"
expect_line "$t" "not ok 1 - failing/unknown_variable.json"
expect_line "$t" "  message: \"steps[1] (dbExpectItem Connections): unknown variable \\\"\${bobby.id}\\\"\""
expect_line "$t" "not ok 2 - failing/wrong_json.json"
expect_line "$t" "  message: \"steps[2] (expect bob): the message differs at \$.n\""
expect_line "$t" "  at: \"\$.n\""
expect_line "$t" "  expected: 2"
expect_line "$t" "  got: 1"
expect_line "$t" "  received: \"{\\\"action\\\":\\\"echo\\\",\\\"n\\\":1,\\\"tags\\\":[\\\"a\\\"]}\""
expect_line "$t" "not ok 3 - failing/wrong_text.json"
expect_line "$t" "  ---"
expect_line "$t" "  message: \"steps[2] (expect alice): the message differs\""
expect_line "$t" "  step: 2"
expect_line "$t" "  name: \"the wrong greeting\""
expect_line "$t" "  verb: expect"
expect_line "$t" "  expected: \"hello\""
expect_line "$t" "  got: \"hi <all> & \\\"you\\\"\""
expect_line "$t" "  ..."
j="$tmp/junit.xml"
if [ -f "$j" ]; then
  expect_line "$j" '<?xml version="1.0" encoding="UTF-8"?>'
  grep -q '<testsuite name="wsgw test" tests="3" failures="3" errors="0" skipped="0"' "$j" ||
    fail "junit: no testsuite with 3 failures"
  grep -qF '<testcase classname="failing" name="failing/wrong_text.json"' "$j" ||
    fail "junit: no testcase for wrong_text.json"
  grep -qF '<failure message="steps[2] (expect alice): the message differs" type="expect">' "$j" ||
    fail "junit: no failure element for wrong_text.json"
  expect_line "$j" 'got: "hi &lt;all&gt; &amp; \"you\""'
  expect_line "$j" 'at: "$.n"'
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$j" ||
      fail "junit: not well-formed XML"
  fi
else
  fail "no JUnit file written"
fi

# 4. --fail-fast with one job: the first failure stops the rest.
"$wsgw" test --fail-fast --jobs 1 failing >"$tmp/ff.tap" 2>/dev/null
rc=$?
[ "$rc" -eq 1 ] || fail "fail-fast: exit $rc, expected 1"
expect_line "$tmp/ff.tap" "1..3"
expect_line "$tmp/ff.tap" "not ok 1 - failing/unknown_variable.json"
expect_line "$tmp/ff.tap" "ok 2 - failing/wrong_json.json # SKIP fail-fast"
expect_line "$tmp/ff.tap" "ok 3 - failing/wrong_text.json # SKIP fail-fast"

# 5. Usage errors.
for args in "" "--jobs 0 chat.json" "--bogus chat.json" "--junit" "no-such-dir/"; do
  # shellcheck disable=SC2086
  "$wsgw" test $args >/dev/null 2>&1
  rc=$?
  [ "$rc" -eq 2 ] || fail "wsgw test $args: exit $rc, expected 2"
done

[ "$status" -eq 0 ] && echo "scenarios: all checks passed"
exit "$status"
