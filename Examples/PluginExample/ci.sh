#!/usr/bin/env bash
# Builds the plug-in package against this checkout and runs the command line
# with its components: listings, train, verify, a sweep (baselines and cache),
# collect and report. Any unexpected output fails (exit 1). Run by .ci/run.
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release 2>&1 | tail -n 1
bin=.build/release/distill-lab-plugins
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "plug-in example: $*" >&2; exit 1; }

# Listings captured first: `grep -q` stops reading at the match, and under pipefail the
# listing's SIGPIPE on its remaining lines would fail the check.
defenses=$($bin defenses); attacks=$($bin attacks)
grep -q '^  confidence-cap' <<<"$defenses" || fail "confidence-cap missing from 'defenses'"
grep -q '^  every-nth-canary' <<<"$defenses" || fail "every-nth-canary missing from 'defenses'"
grep -q '^  sequential' <<<"$attacks" || fail "sequential missing from 'attacks'"
grep -q '^  input-jitter' <<<"$attacks" || fail "input-jitter missing from 'attacks'"
$bin train --defense confidence-cap:cap=0 -q --no-save 2>"$out/err" && fail "cap=0 was accepted"
grep -q "cap" "$out/err" || fail "cap=0 error does not name the parameter: $(cat "$out/err")"

$bin train -q --output "$out" --run-name a --json --teacher-epochs 20 --student-epochs 30 \
    --defense confidence-cap:cap=0.6 --defense every-nth-canary:n=10 \
    --attack sequential --counter input-jitter:sigma=0.02 >"$out/a.json"
grep -q '"cap" : "0.6"' "$out/a/settings.json" || fail "resolved cap not saved in settings.json"
grep -q '"offset" : "0"' "$out/a/settings.json" || fail "the strategy's default offset not saved in settings.json"
# The stolen soft student carries the plug-in canary; exit 3 = --fail-if holds.
set +e
$bin verify --evidence "$out/a/canary-1-every-nth-canary.json" --suspect "$out/a/student-soft.safetensors" --fail-if innocent
[[ $? == 0 ]] || fail "the plug-in canary did not flag the stolen student"
set -e

$bin sweep sweep.yaml teacher.training.epochs=20 student.training.epochs=30 --output "$out/sweep" -q
$bin collect "$out/sweep" >/dev/null
$bin report "$out/sweep" >/dev/null
[[ -s "$out/sweep/report/report.html" ]] || fail "no report/report.html"
grep -q "every-nth-canary" "$out/sweep/report/report.html" || fail "the report does not show the plug-in canary"
grep -q "confidence-cap" "$out/sweep/report/report.html" || fail "the report does not show the plug-in defense"
echo "plug-in example: listings, train, verify, sweep, collect and report OK"
