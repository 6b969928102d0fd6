#!/usr/bin/env bash
# Provides what the e2e node runs beside the control plane of test/kube/assets.sh:
# kubelet, kube-scheduler and kube-proxy; containerd; Traefik (the ingress controller); and
# the pod sandbox program "pause". Each is built once from the Go module proxy through our
# own modules in test/e2e/tools/ and cached outside the work tree, keyed by version.
# runc and the CNI plugins come from Debian (see `host`).
#
# Progress and errors go to stderr; stdout carries only directories, one per line.
set -euo pipefail

# The one place the versions are pinned. tools/*/go.mod must agree (see `update`).
KUBE_VERSION=v1.36.5
CONTAINERD_VERSION=v2.4.2
TRAEFIK_VERSION=v3.7.13
# Traefik's dependencies we rebuild from the module cache with files of our own.
LEGO_VERSION=v5.4.1
HTTP_AUTH_VERSION=v0.4.0

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools=$here/tools
cache_root=${BBFN_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/butterbase-functions}
node_dir=$cache_root/node/$KUBE_VERSION
containerd_dir=$cache_root/containerd/$CONTAINERD_VERSION
traefik_dir=$cache_root/traefik/$TRAEFIK_VERSION
node_bins=(kubelet kube-scheduler kube-proxy pause)
containerd_bins=(containerd containerd-shim-runc-v2 ctr)

usage() {
  cat <<EOF
Usage: test/e2e/assets.sh [command]

Ensures the binaries of the e2e node and prints their directories (one per line:
node, containerd, traefik).

Commands:
  all        (default) everything below; builds what is missing (cold: many minutes)
  node       kubelet, kube-scheduler, kube-proxy $KUBE_VERSION and pause -> $node_dir
  containerd containerd, containerd-shim-runc-v2, ctr $CONTAINERD_VERSION -> $containerd_dir
  traefik    traefik $TRAEFIK_VERSION -> $traefik_dir
  host       check (as root, install with apt-get) runc and the CNI plugins
  update     regenerate tools/*/go.mod and go.sum for the pinned versions
  --help     this text

Environment:
  BBFN_KUBE_CACHE  cache root, shared with test/kube/assets.sh (now: $cache_root)
EOF
}

log_prefix=e2e-assets
# shellcheck source=../kube/build-lib.sh
source "$here/../kube/build-lib.sh"

node_manifest() { printf 'kubernetes-node %s\n' "$KUBE_VERSION"; }
containerd_manifest() { printf 'containerd %s\n' "$CONTAINERD_VERSION"; }
traefik_manifest() { printf 'traefik %s lego %s go-http-auth %s\n' "$TRAEFIK_VERSION" "$LEGO_VERSION" "$HTTP_AUTH_VERSION"; }

# ---------------------------------------------------------------- building

build_node() {
  require_pinned "$tools/node" k8s.io/kubernetes "$KUBE_VERSION"
  with_partial_dir "$node_dir"
  if complete "$node_dir" "$(node_manifest)" "${node_bins[@]}"; then
    partial=''
    return
  fi
  local total=$SECONDS ld cmd i=1
  ld=$(kube_version_ldflags "$KUBE_VERSION" "$(module_time "$tools/node" k8s.io/kubernetes)")
  log "building Kubernetes $KUBE_VERSION node binaries into $node_dir (first run only; many minutes)"
  for cmd in kubelet kube-scheduler kube-proxy; do
    build "$cmd (${i}/4)" "$tools/node" "k8s.io/kubernetes/cmd/$cmd" "$partial/$cmd" "$ld"
    i=$((i + 1))
  done
  build "pause (4/4)" "$tools/pause" . "$partial/pause" ''
  { node_manifest && printf 'go %s\n' "$(go env GOVERSION)"; } >"$partial/VERSIONS"
  publish "$node_dir"
  log "node binaries built in $((SECONDS - total)) s"
}

build_containerd() {
  require_pinned "$tools/containerd" github.com/containerd/containerd/v2 "$CONTAINERD_VERSION"
  with_partial_dir "$containerd_dir"
  if complete "$containerd_dir" "$(containerd_manifest)" "${containerd_bins[@]}"; then
    partial=''
    return
  fi
  local total=$SECONDS v=github.com/containerd/containerd/v2/version cmd i=1
  log "building containerd $CONTAINERD_VERSION into $containerd_dir (first run only; minutes)"
  for cmd in "${containerd_bins[@]}"; do
    # no_btrfs: the btrfs snapshotter needs cgo; the node uses overlayfs.
    build "$cmd (${i}/3)" "$tools/containerd" "github.com/containerd/containerd/v2/cmd/$cmd" "$partial/$cmd" \
      "-X $v.Version=$CONTAINERD_VERSION -X $v.Package=github.com/containerd/containerd/v2" no_btrfs
    i=$((i + 1))
  done
  { containerd_manifest && printf 'go %s\n' "$(go env GOVERSION)"; } >"$partial/VERSIONS"
  publish "$containerd_dir"
  log "containerd built in $((SECONDS - total)) s"
}

# Copies module@version from the module cache to <dir>/patched/<name> and lays our files
# from tools/traefik/patches/<name> over it (see tools/traefik/README.md for why).
patch_module() { # wrapper-dir module version name
  local src
  src=$(go -C "$1" mod download -json "$2@$3" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $src ]] || die "could not download $2@$3"
  rm -rf "$1/patched/$4"
  mkdir -p "$1/patched"
  cp -r "$src" "$1/patched/$4"
  chmod -R u+w "$1/patched/$4"
  cp -r "$tools/traefik/patches/$4/." "$1/patched/$4/"
}

prepare_traefik() { # wrapper-dir
  patch_module "$1" github.com/abbot/go-http-auth "$HTTP_AUTH_VERSION" go-http-auth
  patch_module "$1" github.com/go-acme/lego/v5 "$LEGO_VERSION" lego
}

build_traefik() {
  require_pinned "$tools/traefik" github.com/traefik/traefik/v3 "$TRAEFIK_VERSION"
  with_partial_dir "$traefik_dir"
  if complete "$traefik_dir" "$(traefik_manifest)" traefik; then
    partial=''
    return
  fi
  local total=$SECONDS src=$partial/src v=github.com/traefik/traefik/v3/pkg/version
  log "building Traefik $TRAEFIK_VERSION into $traefik_dir (first run only; minutes)"
  # Built from a copy of the wrapper, so the patched modules never land in the work tree.
  mkdir -p "$src"
  cp -r "$tools/traefik/go.mod" "$tools/traefik/go.sum" "$tools/traefik/ext" "$src/"
  prepare_traefik "$src"
  build "traefik" "$src" github.com/traefik/traefik/v3/cmd/traefik "$partial/traefik" \
    "-X $v.Version=$TRAEFIK_VERSION -X $v.Codename=butterbase-e2e"
  rm -rf "$src"
  { traefik_manifest && printf 'go %s\n' "$(go env GOVERSION)"; } >"$partial/VERSIONS"
  publish "$traefik_dir"
  log "traefik built in $((SECONDS - total)) s"
}

ensure() { # name
  case $1 in
  node) complete "$node_dir" "$(node_manifest)" "${node_bins[@]}" || build_node ;;
  containerd) complete "$containerd_dir" "$(containerd_manifest)" "${containerd_bins[@]}" || build_containerd ;;
  traefik) complete "$traefik_dir" "$(traefik_manifest)" traefik || build_traefik ;;
  esac
}

# ---------------------------------------------------------------- host packages

host() {
  local missing=()
  command -v runc >/dev/null || missing+=(runc)
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] ||
    missing+=(containernetworking-plugins)
  ((${#missing[@]})) || return 0
  ((EUID == 0)) || die "missing ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
  log "installing ${missing[*]} from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2 ||
    die "apt-get install -y ${missing[*]} failed"
}

# ---------------------------------------------------------------- update

update() {
  command -v go >/dev/null || die "go is not on PATH"
  log "regenerating $tools/*/go.mod for Kubernetes $KUBE_VERSION, containerd $CONTAINERD_VERSION, Traefik $TRAEFIK_VERSION"
  # The node module is the control plane's, with the node's commands as tools.
  sed -e "s#^// Generated.*#// Generated by test/e2e/assets.sh update: Kubernetes $KUBE_VERSION node binaries for the e2e tests.#" \
    -e 's#^module .*#module butterbase-functions/test/e2e/tools/node#' "$here/../kube/tools/kube/go.mod" |
    awk '/^tool \(/ { print; print "\tk8s.io/kubernetes/cmd/kube-proxy\n\tk8s.io/kubernetes/cmd/kube-scheduler\n\tk8s.io/kubernetes/cmd/kubelet"; skip = 1; next }
      skip && /^\)/ { skip = 0 } !skip' >"$tools/node/go.mod"
  cp "$here/../kube/tools/kube/go.sum" "$tools/node/go.sum"
  go -C "$tools/node" mod tidy
  sed -i "s#^require github.com/containerd/containerd/v2 .*#require github.com/containerd/containerd/v2 $CONTAINERD_VERSION#" \
    "$tools/containerd/go.mod"
  go -C "$tools/containerd" mod tidy
  sed -i "s#^require github.com/traefik/traefik/v3 .*#require github.com/traefik/traefik/v3 $TRAEFIK_VERSION#" \
    "$tools/traefik/go.mod"
  prepare_traefik "$tools/traefik"
  go -C "$tools/traefik" mod tidy
  rm -rf "$tools/traefik/patched"
  log "done; commit test/e2e/tools/*/go.{mod,sum}"
}

# ---------------------------------------------------------------- main

case ${1:-all} in
-h | --help | help) usage ;;
all)
  host
  # Smallest first, so a person watching sees progress early.
  for name in containerd traefik node; do ensure "$name"; done
  printf '%s\n' "$node_dir" "$containerd_dir" "$traefik_dir"
  ;;
node) ensure node && printf '%s\n' "$node_dir" ;;
containerd) ensure containerd && printf '%s\n' "$containerd_dir" ;;
traefik) ensure traefik && printf '%s\n' "$traefik_dir" ;;
host) host ;;
update) update ;;
*)
  usage >&2
  exit 2
  ;;
esac
