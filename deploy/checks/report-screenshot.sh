#!/usr/bin/env bash
# Opens a report's index.html in headless Chromium, fails on a page error, and takes a screenshot.
#   deploy/checks/report-screenshot.sh [REPORT_DIR] [OUT_PNG]
# Default: the committed example, docs/example-report/. Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
dir=${1:-docs/example-report}
out=${2:-/tmp/labelcurve-report-screenshot.png}
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then
  echo "report-screenshot: SKIP, no chromium (apt-get install chromium)"; exit 0
fi
[[ -f "$dir/index.html" ]] || { echo "report-screenshot: no $dir/index.html" >&2; exit 1; }
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
url="file://$(cd "$dir" && pwd)/index.html"
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
  --disable-sync --no-first-run --user-data-dir="$profile" --enable-logging=stderr --v=0)
timeout 120 "$browser" "${flags[@]}" --window-size=1280,2400 --screenshot="$out" "$url" 2>"$log" || {
  cat "$log" >&2; echo "report-screenshot: chromium failed" >&2; exit 1; }
# A console error or a resource that failed to load is a broken report.
if grep -E 'CONSOLE\(|Failed to load|ERR_FILE_NOT_FOUND|Uncaught' "$log" | grep -v 'favicon'; then
  echo "report-screenshot: the page logged errors" >&2; exit 1
fi
# The DOM must hold the report's sections and its inlined charts.
dom=$(timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null)
for want in 'id="curves"' 'id="full"' 'id="paired"' 'id="provenance"' 'data:image/png;base64,'; do
  grep -q "$want" <<<"$dom" || { echo "report-screenshot: the page lacks $want" >&2; exit 1; }
done
[[ -s "$out" ]] || { echo "report-screenshot: no screenshot" >&2; exit 1; }
echo "report-screenshot: OK, $url rendered without errors; screenshot $out"
