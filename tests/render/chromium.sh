#!/usr/bin/env bash
# Looks at one rendering in a real browser: headless Chromium loads the
# HTML of a trace, runs its script, and the DOM it dumps must show the last
# step with every other step hidden. Skips (exit 77, "Skipped" in ctest)
# when Chromium is not installed: `apt-get install chromium` to run it.
# usage: chromium.sh MEMHP SOURCE_DIR
set -euo pipefail
memhp=$1 src=$2
browser=$(command -v chromium || command -v chromium-headless-shell || true)
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (apt-get install chromium); the HTML was not looked at in a browser"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trace="$src/tests/kernel/dimm-128m-memmap-on-memory.trace"
"$memhp" render "$trace" --all --html "$tmp/trace.html"
steps=$(grep -c '<section class="step"' "$tmp/trace.html")
last=$((steps - 1))
flags=(--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile")
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$tmp/trace.html" > "$tmp/dom.html" 2> "$tmp/chromium.log" || {
  echo "FAIL: chromium could not load the page"; cat "$tmp/chromium.log"; exit 1; }
grep -q "<span id=\"where\">step $last of $last</span>" "$tmp/dom.html" || {
  echo "FAIL: the page's script did not run (no 'step $last of $last')"; exit 1; }
hidden=$(grep -o '<section class="step"[^>]*hidden' "$tmp/dom.html" | wc -l)
[ "$hidden" -eq "$last" ] || { echo "FAIL: $hidden of $steps steps hidden, expected $last"; exit 1; }
timeout 120 "$browser" "${flags[@]}" --window-size=1600,1000 --screenshot="$tmp/shot.png" \
  "file://$tmp/trace.html" > /dev/null 2>> "$tmp/chromium.log"
size=$(stat -c %s "$tmp/shot.png" 2>/dev/null || echo 0)
[ "$size" -gt 10000 ] || { echo "FAIL: the screenshot is $size bytes"; exit 1; }
echo "ok: chromium ran the page: step $last of $last shown, $hidden steps hidden, screenshot $size bytes"
