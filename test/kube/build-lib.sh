#!/usr/bin/env bash
# Helpers shared by test/kube/assets.sh and test/e2e/assets.sh: build Go binaries into a
# cache directory that appears only when complete. The sourcing script sets log_prefix.

log() { printf '%s: %s\n' "$log_prefix" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# The manifest says what a cache directory was built from; a directory only exists once
# complete (it is renamed into place), so a matching manifest means usable binaries.
complete() { # dir manifest bins...
  local dir=$1 manifest=$2 bin
  shift 2
  [[ -f $dir/VERSIONS && "$(head -n "$(wc -l <<<"$manifest")" "$dir/VERSIONS")" == "$manifest" ]] || return 1
  for bin in "$@"; do [[ -x $dir/$bin ]] || return 1; done
}

child=''
partial=''
cleanup() {
  if [[ -n $child ]]; then kill -INT "$child" 2>/dev/null || true; fi
  if [[ -n $partial ]]; then rm -rf "$partial"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Runs one `go build` in the background so that a signal reaches our trap at once
# (bash defers traps until a foreground child ends), and reports elapsed time.
build() { # label module-dir package output ldflags [build-tags]
  local label=$1 dir=$2 pkg=$3 out=$4 ldflags=$5 tags=${6:-} start=$SECONDS next=60 status=0
  log "building $label ..."
  env CGO_ENABLED=0 GOFLAGS="$(go env GOFLAGS) -mod=readonly -buildvcs=false" \
    go -C "$dir" build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$out" "$pkg" &
  child=$!
  while kill -0 "$child" 2>/dev/null; do
    sleep 1
    if ((SECONDS - start >= next)); then
      log "  still building $label ($((SECONDS - start)) s)"
      next=$((next + 60))
    fi
  done
  wait "$child" || status=$?
  child=''
  ((status == 0)) || die "building $label failed (go build exit $status)"
  log "built $label in $((SECONDS - start)) s"
}

module_time() { # module-dir module: its release time, a reproducible build date
  go -C "$1" list -mod=readonly -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' "$2"
}

# What Kubernetes' hack/lib/version.sh stamps, so `kubectl version` and /version tell the truth.
kube_version_ldflags() { # version build-date
  local minor=${1#v1.} pkg ld=''
  minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$1 -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.buildDate=$2 -X $pkg.gitTreeState=clean"
  done
  printf '%s' "$ld"
}

require_pinned() { # module-dir module version
  command -v go >/dev/null || die "go is not on PATH; it is needed once, to build the binaries"
  grep -qE "^[[:space:]]*(require[[:space:]]+)?$2 $3( // indirect)?\$" "$1/go.mod" ||
    die "$1/go.mod does not require $2 $3; run: test/kube/assets.sh update"
}

# Takes the cache lock, then builds into a hidden sibling of the target and renames it
# into place, so an interrupted build never leaves a half-filled cache directory.
with_partial_dir() { # target
  local target=$1 parent
  parent=$(dirname "$target")
  mkdir -p "$parent"
  exec 9>"$parent/.lock"
  flock 9
  # We hold the lock: any other partial directory is from a build that was killed.
  rm -rf "$parent"/.*.partial.*
  partial=$(mktemp -d "$parent/.$(basename "$target").partial.XXXXXX")
}

publish() { # target
  local target=$1
  if [[ -e $target ]]; then rm -rf "$target"; fi # stale: built from other versions
  chmod 755 "$partial" # mktemp made it private
  mv -T "$partial" "$target"
  partial=''
  exec 9>&-
}
