#!/usr/bin/env bash
# The e2e suite on a kind cluster, for machines with internet and Docker (the project's
# own machines have no internet: there `vitest run --project e2e` builds a node instead).
# Creates the cluster, loads this checkout's images, installs ingress-nginx, a Postgres
# and the chart, runs the suite through KUBECONFIG (test/e2e/existing-cluster.ts), and
# deletes what it made. Run from anywhere in the repository, after `npm ci`.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
name=${BBFN_KIND_NAME:-bbfn-e2e}
http_port=${BBFN_KIND_HTTP_PORT:-18080}
postgres_port=${BBFN_KIND_POSTGRES_PORT:-15432}
postgres_image=${BBFN_KIND_POSTGRES_IMAGE:-postgres:18}
# ingress-nginx's manifest for kind: hostPort 80 on the node labelled ingress-ready.
ingress_nginx_manifest=${BBFN_KIND_INGRESS_NGINX_MANIFEST:-https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.1/deploy/static/provider/kind/deploy.yaml}
keep=false

usage() {
  cat <<EOF
Usage: test/e2e/kind.sh [--keep] [--help] [-- <vitest arguments>]

Runs the e2e suite (test/e2e/*.test.ts) against a kind cluster made for the run:
  1. kind create cluster "$name" (port 80 of its node on 127.0.0.1:$http_port)
  2. builds the runtime and operator images from the Dockerfile (node test/e2e/images.ts
     build) and loads them into the cluster (kind load docker-image)
  3. installs ingress-nginx (IngressClass nginx) and waits for its controller
  4. starts Postgres ($postgres_image) on kind's Docker network, published on
     127.0.0.1:$postgres_port; pods reach it by its address on that network
  5. installs the chart (node test/e2e/chart.ts install --ingress-class nginx)
  6. runs npx vitest run --project e2e with KUBECONFIG, BBFN_E2E_INGRESS_URL,
     BBFN_E2E_POSTGRES_URL and BBFN_E2E_POD_POSTGRES_URL set, and any arguments after --
  7. deletes the cluster and the Postgres container (kept with --keep; the variables
     to run the suite again are printed)

Needs: docker, kind, kubectl and helm on PATH, internet (kind's node image, ingress-nginx,
Postgres), Node.js with this repository's npm ci done.

Environment (defaults in brackets):
  BBFN_KIND_NAME [bbfn-e2e]  BBFN_KIND_HTTP_PORT [18080]  BBFN_KIND_POSTGRES_PORT [15432]
  BBFN_KIND_POSTGRES_IMAGE [postgres:18]
  BBFN_KIND_INGRESS_NGINX_MANIFEST [ingress-nginx controller-v1.12.1's kind deploy.yaml]
EOF
}

vitest_args=()
while (($# > 0)); do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --keep) keep=true ;;
    --)
      shift
      vitest_args=("$@")
      break
      ;;
    *)
      echo "kind.sh: unknown argument: $1 (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done

log() { echo "kind.sh: $*" >&2; }

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || {
    log "$tool is not on PATH (see --help)"
    exit 1
  }
done
cd "$repo"
node=$repo/node_modules/.bin/node
[[ -x $node ]] || {
  log "run npm ci first ($node is missing)"
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/bbfn-kind-XXXXXX")
kubeconfig=$work/kubeconfig
postgres_container=$name-postgres
postgres_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

cleanup() {
  local status=$?
  if [[ $keep == true ]]; then
    log "kept: kind delete cluster --name $name; docker rm -f $postgres_container; rm -rf $work"
  else
    log "deleting the cluster and Postgres"
    kind delete cluster --name "$name" --kubeconfig "$kubeconfig" >&2 || true
    docker rm -f "$postgres_container" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "1/6 creating kind cluster $name"
cat >"$work/kind.yaml" <<EOF
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    kubeadmConfigPatches:
      - |
        kind: InitConfiguration
        nodeRegistration:
          kubeletExtraArgs:
            node-labels: "ingress-ready=true"
      - |
        kind: KubeletConfiguration
        allowedUnsafeSysctls: ["net.ipv4.tcp_migrate_req"]
    extraPortMappings:
      - { containerPort: 80, hostPort: $http_port, listenAddress: 127.0.0.1, protocol: TCP }
EOF
kind create cluster --name "$name" --config "$work/kind.yaml" --kubeconfig "$kubeconfig" --wait 120s
export KUBECONFIG=$kubeconfig

log "2/6 building and loading the images"
mapfile -t images < <("$node" test/e2e/images.ts build)
kind load docker-image --name "$name" "${images[@]}"

log "3/6 installing ingress-nginx"
kubectl apply -f "$ingress_nginx_manifest"
# rollout status, not `wait pod -l`: right after the apply the pod may not exist yet.
kubectl rollout status -n ingress-nginx deployment/ingress-nginx-controller --timeout=300s
# Its admission webhook refuses Ingresses until the jobs that make its certificate are done.
kubectl wait -n ingress-nginx --for=condition=Complete job --all --timeout=300s

log "4/6 starting Postgres"
docker rm -f "$postgres_container" >/dev/null 2>&1 || true
docker run -d --name "$postgres_container" --network kind \
  -p "127.0.0.1:$postgres_port:5432" -e POSTGRES_PASSWORD="$postgres_password" \
  "$postgres_image" >/dev/null
for _ in $(seq 1 120); do
  docker exec "$postgres_container" pg_isready -U postgres -h 127.0.0.1 >/dev/null 2>&1 && break
  sleep 1
done
docker exec "$postgres_container" pg_isready -U postgres -h 127.0.0.1 >/dev/null
postgres_ip=$(docker inspect -f '{{(index .NetworkSettings.Networks "kind").IPAddress}}' "$postgres_container")

log "5/6 installing the chart"
KUBECTL=$(command -v kubectl) HELM=$(command -v helm) \
  "$node" test/e2e/chart.ts install --ingress-class nginx

export BBFN_E2E_INGRESS_URL=http://127.0.0.1:$http_port
export BBFN_E2E_POSTGRES_URL=postgres://postgres:$postgres_password@127.0.0.1:$postgres_port/postgres
export BBFN_E2E_POD_POSTGRES_URL=postgres://postgres:$postgres_password@$postgres_ip:5432/postgres
if [[ $keep == true ]]; then
  log "to run the suite again:"
  for variable in KUBECONFIG BBFN_E2E_INGRESS_URL BBFN_E2E_POSTGRES_URL BBFN_E2E_POD_POSTGRES_URL; do
    echo "export $variable=${!variable}" >&2
  done
fi

log "6/6 running the e2e suite"
KUBECTL=$(command -v kubectl) HELM=$(command -v helm) \
  npx vitest run --project e2e "${vitest_args[@]}"
