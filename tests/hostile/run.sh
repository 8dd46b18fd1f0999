#!/usr/bin/env bash
# make hostile: run the built cmd/lint over every hostile-input case, each
# within 2 seconds and 512 MB of peak RSS (measured by /usr/bin/time, outside
# the race detector), and require a finding naming the file and exit 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/lint" ./cmd/lint
mkdir "$work/large"
go run ./tests/hostile/gen -out "$work/large"
fail=0
for f in tests/hostile/corpus/* "$work"/large/*; do
  set +e
  timeout 2 /usr/bin/time -f '%M' -o "$work/rss" "$work/lint" "$f" >"$work/out" 2>"$work/err"
  code=$?
  set -e
  rss=$(tail -n 1 "$work/rss" 2>/dev/null || echo 0)
  name=$(basename "$f")
  if [ "$code" = 124 ]; then
    echo "FAIL $name: more than 2 s"; fail=1; continue
  fi
  if [ "$code" != 1 ]; then
    echo "FAIL $name: exit $code, want 1"; cat "$work/out" "$work/err"; fail=1; continue
  fi
  if ! grep -q -- "$f" "$work/out"; then
    echo "FAIL $name: no finding names the file"; cat "$work/out"; fail=1; continue
  fi
  if grep -q 'goroutine \|panic' "$work/out" "$work/err"; then
    echo "FAIL $name: panic"; fail=1; continue
  fi
  if [ "$rss" -gt $((512 * 1024)) ]; then
    echo "FAIL $name: peak RSS ${rss} KB > 512 MB"; fail=1; continue
  fi
  printf 'ok   %-24s exit %s, peak RSS %6d KB: %s\n' "$name" "$code" "$rss" "$(head -c 100 "$work/out" | head -n 1)"
done
# An unreadable path is exit 2.
set +e
"$work/lint" tests/hostile/no-such-file.yaml >/dev/null 2>&1
code=$?
set -e
if [ "$code" != 2 ]; then echo "FAIL unreadable path: exit $code, want 2"; fail=1; else echo "ok   unreadable path: exit 2"; fi
exit $fail
