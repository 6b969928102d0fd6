#!/usr/bin/env bash
# Watchdog of one e2e node run (test/kube/watchdog.sh, plus the host): when the process
# that started the run dies without cleaning up (SIGKILL, crash), stop what it started,
# put the host back (host.sh down) and remove the run directory.
#
# Usage: watchdog.sh <run-dir>; stdin is a pipe whose only writer is the starting process.
set -u
dir=$1
while read -r _; do :; done
bash "$(dirname "$0")/host.sh" down "$dir"
rm -rf "$dir"
