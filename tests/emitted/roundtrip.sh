#!/usr/bin/env bash
# Re-emits the counterexample cases of tests/emitted/ and compares them with
# the committed ones: what memhp_tests builds is what --emit-test writes.
# usage: roundtrip.sh MEMHP SOURCE_DIR
set -euo pipefail
memhp=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The historical fault 9b7ea46a82b3 undoes (offline_pages() leaking the
# zone's isolated-pageblock count), found by the explorer's BFS.
# The README shows its picture, docs/examples/counterexample.svg.
"$memhp" explore --config x86-1slot --fault offline_leaks_isolate_count --emit-test "$tmp" \
  --svg "$tmp/counterexample.svg" > /dev/null 2>&1 || true
diff -q "$src/docs/examples/counterexample.svg" "$tmp/counterexample.svg" > /dev/null ||
  { echo "FAIL: docs/examples/counterexample.svg is not what memhp draws now"; exit 1; }
n=0
for f in "$tmp"/*.cpp; do
  [ -e "$f" ] || { echo "FAIL: nothing was emitted"; exit 1; }
  name=$(basename "$f")
  diff -u "$src/tests/emitted/$name" "$f" || { echo "FAIL: tests/emitted/$name differs from what --emit-test writes"; exit 1; }
  n=$((n + 1))
done
echo "ok: $n emitted case(s) match tests/emitted/"
