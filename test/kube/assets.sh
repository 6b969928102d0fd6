#!/usr/bin/env bash
# Provides the Kubernetes binaries the kube test harness runs: etcd, kube-apiserver,
# kube-controller-manager and kubectl of one pinned version (and helm, for chart tests).
#
# Where they come from, first match wins:
#   1. $KUBEBUILDER_ASSETS (envtest's convention), when it is set;
#   2. a cache outside the work tree, keyed by version;
#   3. a build from the Go module proxy through our own modules in test/kube/tools/,
#      written to a temporary directory and renamed into the cache only when complete.
#
# Progress and errors go to stderr; stdout carries only the directory, so callers can
# use "$(test/kube/assets.sh)".
set -euo pipefail

# The one place the versions are pinned. tools/*/go.mod must agree (see `update`).
KUBE_VERSION=v1.36.5
ETCD_VERSION=v3.6.16
HELM_VERSION=v4.3.1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools=$here/tools
cache_root=${BBFN_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/butterbase-functions}
kube_dir=$cache_root/kube/$KUBE_VERSION
helm_dir=$cache_root/helm/$HELM_VERSION
kube_bins=(etcd kube-apiserver kube-controller-manager kubectl)

usage() {
  cat <<EOF
Usage: test/kube/assets.sh [command]

Ensures the Kubernetes binaries for the kube tests and prints their directory.

Commands:
  kube      (default) etcd, kube-apiserver, kube-controller-manager, kubectl
            (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION); builds them on first use
  helm      helm $HELM_VERSION; builds it on first use
  dir       print the cache directory for these versions, build nothing
  update    regenerate tools/*/go.mod and go.sum for the pinned versions
  --help    this text

Environment:
  KUBEBUILDER_ASSETS  a directory holding the binaries (envtest's convention); used
                      instead of the cache when set
  BBFN_KUBE_CACHE     cache root (default \${XDG_CACHE_HOME:-\$HOME/.cache}/butterbase-functions)
                      now: $cache_root

A build takes many minutes (Go, CGO_ENABLED=0, -trimpath); later runs reuse the cache.
EOF
}

log_prefix=kube-assets
# shellcheck source=build-lib.sh
source "$here/build-lib.sh"

# ---------------------------------------------------------------- cache checks

kube_manifest() { printf 'kubernetes %s\netcd %s\n' "$KUBE_VERSION" "$ETCD_VERSION"; }
helm_manifest() { printf 'helm %s\n' "$HELM_VERSION"; }

from_kubebuilder_assets() { # bins...
  local dir missing=() bin
  dir=$(cd "$KUBEBUILDER_ASSETS" 2>/dev/null && pwd) || die "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS is not a directory"
  for bin in "$@"; do [[ -x $dir/$bin ]] || missing+=("$bin"); done
  if ((${#missing[@]})); then
    # setup-envtest's downloads carry no kube-controller-manager; without it there is no
    # garbage collection and no CronJob -> Job, which the suites rely on.
    die "KUBEBUILDER_ASSETS=$dir lacks: ${missing[*]}. Add them, or unset KUBEBUILDER_ASSETS to use (and build) $kube_dir."
  fi
  printf '%s\n' "$dir"
}

# ---------------------------------------------------------------- building

build_kube() {
  require_pinned "$tools/kube" k8s.io/kubernetes "$KUBE_VERSION"
  require_pinned "$tools/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
  with_partial_dir "$kube_dir"
  if complete "$kube_dir" "$(kube_manifest)" "${kube_bins[@]}"; then # built while we waited
    partial=''
    return
  fi
  local total=$SECONDS ld
  ld=$(kube_version_ldflags "$KUBE_VERSION" "$(module_time "$tools/kube" k8s.io/kubernetes)")
  log "building Kubernetes $KUBE_VERSION and etcd $ETCD_VERSION into $kube_dir (first run only; many minutes)"
  build "etcd $ETCD_VERSION (1/4)" "$tools/etcd" . "$partial/etcd" ''
  build "kube-apiserver (2/4)" "$tools/kube" k8s.io/kubernetes/cmd/kube-apiserver "$partial/kube-apiserver" "$ld"
  build "kube-controller-manager (3/4)" "$tools/kube" k8s.io/kubernetes/cmd/kube-controller-manager \
    "$partial/kube-controller-manager" "$ld"
  build "kubectl (4/4)" "$tools/kube" k8s.io/kubernetes/cmd/kubectl "$partial/kubectl" "$ld"
  { kube_manifest && printf 'go %s\n' "$(go env GOVERSION)"; } >"$partial/VERSIONS"
  publish "$kube_dir"
  log "binaries $KUBE_VERSION built in $((SECONDS - total)) s"
}

build_helm() {
  require_pinned "$tools/helm" helm.sh/helm/v4 "$HELM_VERSION"
  with_partial_dir "$helm_dir"
  if complete "$helm_dir" "$(helm_manifest)" helm; then
    partial=''
    return
  fi
  local v=helm.sh/helm/v4/internal/version
  build "helm $HELM_VERSION" "$tools/helm" helm.sh/helm/v4/cmd/helm "$partial/helm" \
    "-X $v.version=$HELM_VERSION -X $v.metadata= -X $v.gitTreeState=clean"
  { helm_manifest && printf 'go %s\n' "$(go env GOVERSION)"; } >"$partial/VERSIONS"
  publish "$helm_dir"
}

# ---------------------------------------------------------------- update

# k8s.io/kubernetes replaces each staging module with ./staging/src/k8s.io/<m>, which only
# works inside its own repository; we replace each with its published v0.<minor>.<patch>.
update_kube() {
  local gomod staging m
  gomod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f $gomod ]] || die "could not download k8s.io/kubernetes@$KUBE_VERSION"
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/src/k8s\.io/.*#\1#p' "$gomod" | sort -u)
  [[ -n $staging ]] || die "no staging replacements found in $gomod"
  {
    printf '// Generated by test/kube/assets.sh update: Kubernetes %s binaries for the kube tests.\n' "$KUBE_VERSION"
    printf 'module butterbase-functions/test/kube/tools/kube\n\ngo 1.26.0\n\n'
    printf 'require k8s.io/kubernetes %s\n\nreplace (\n' "$KUBE_VERSION"
    for m in $staging; do printf '\t%s => %s v0.%s\n' "$m" "$m" "${KUBE_VERSION#v1.}"; done
    printf ')\n\ntool (\n'
    printf '\tk8s.io/kubernetes/cmd/%s\n' kube-apiserver kube-controller-manager kubectl
    printf ')\n'
  } >"$tools/kube/go.mod"
  go -C "$tools/kube" mod tidy
}

update_simple() { # dir module-name requirement [tool]
  {
    printf '// Generated by test/kube/assets.sh update.\nmodule %s\n\ngo 1.26.0\n\nrequire %s\n' "$2" "$3"
    if [[ -n ${4:-} ]]; then printf '\ntool %s\n' "$4"; fi
  } >"$1/go.mod"
  go -C "$1" mod tidy
}

update() {
  command -v go >/dev/null || die "go is not on PATH"
  log "regenerating $tools/*/go.mod for Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, helm $HELM_VERSION"
  update_kube
  update_simple "$tools/etcd" butterbase-functions/test/kube/tools/etcd "go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  update_simple "$tools/helm" butterbase-functions/test/kube/tools/helm "helm.sh/helm/v4 $HELM_VERSION" \
    helm.sh/helm/v4/cmd/helm
  log "done; commit test/kube/tools/*/go.{mod,sum}"
}

# ---------------------------------------------------------------- main

case ${1:-kube} in
-h | --help | help) usage ;;
kube)
  if [[ -n ${KUBEBUILDER_ASSETS:-} ]]; then
    from_kubebuilder_assets "${kube_bins[@]}"
    exit 0
  fi
  complete "$kube_dir" "$(kube_manifest)" "${kube_bins[@]}" || build_kube
  printf '%s\n' "$kube_dir"
  ;;
helm)
  if [[ -n ${KUBEBUILDER_ASSETS:-} && -x $KUBEBUILDER_ASSETS/helm ]]; then
    from_kubebuilder_assets helm
    exit 0
  fi
  complete "$helm_dir" "$(helm_manifest)" helm || build_helm
  printf '%s\n' "$helm_dir"
  ;;
dir) printf '%s\n' "$kube_dir" ;;
update) update ;;
*)
  usage >&2
  exit 2
  ;;
esac
