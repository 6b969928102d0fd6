#!/usr/bin/env bash
# Watchdog of one control-plane run: if the process that started the run dies without
# cleaning up (SIGKILL, crash), kill what it started and remove the run directory.
#
# Usage: watchdog.sh <run-dir>
# stdin must be a pipe whose only writer is the starting process: it reaches end-of-file
# exactly when that process is gone, however it died. <run-dir>/pids lists the pids.
set -u
dir=$1

while read -r _; do :; done

pids=()
if [[ -f $dir/pids ]]; then mapfile -t pids <"$dir/pids"; fi
if ((${#pids[@]})); then
  kill -TERM "${pids[@]}" 2>/dev/null
  for _ in {1..30}; do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null
fi
rm -rf "$dir"
