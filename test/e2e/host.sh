#!/usr/bin/env bash
# What the e2e node changes on the host, and how it is put back. One home for both, so the
# orderly stop, the exit handler and the watchdog (after a crash) all undo the same things.
#
# Usage:
#   host.sh up <run-dir> <bridge> <bridge-ip>/<prefix> <service-cidr>
#       records the sysctls and nft tables the kubelet and kube-proxy may change, then
#       creates the bridge (the node's address), routes the Service CIDR to it and lets
#       FORWARD pass pod-to-pod traffic on it
#   host.sh down <run-dir>
#       stops the run's processes (by pid: <run-dir>/pids, the containerd shims serving
#       <run-dir>'s socket, the processes in the pods' cgroups), unmounts what is mounted
#       under <run-dir>, removes the pods' cgroups, the KUBE-* iptables chains and the
#       nft tables that were not there before, restores the sysctls, deletes the routes,
#       the FORWARD rule and the bridge. Idempotent; safe on a half-started run. Leaves <run-dir> itself.
#   host.sh check <bridge>
#       fails, naming them, if a previous run's bridge, chains or cgroups are still there
set -uo pipefail

# Changed by the kubelet (kernel.*, vm.*), kube-proxy (route_localnet, conntrack) and the
# bridge CNI plugin (forwarding).
SYSCTLS=(
  kernel.panic kernel.panic_on_oops vm.overcommit_memory
  net.ipv4.conf.all.route_localnet net.ipv4.ip_forward net.ipv6.conf.all.forwarding
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.netfilter.nf_conntrack_max net.netfilter.nf_conntrack_tcp_timeout_established
  net.netfilter.nf_conntrack_tcp_timeout_close_wait
)
# Directories the kubelet, containerd or CNI create outside the run directory even when
# pointed into it (/var/lib/kubelet/device-plugins, /var/lib/cni/results); removed at the
# end when they were not there before.
HOST_DIRS=(/var/log/containers /var/log/pods /var/lib/kubelet /var/lib/cni /run/netns /etc/cni /opt/cni)
CGROUP_ROOT=/sys/fs/cgroup
# The kubelet's pod cgroups (cgroupfs driver): <controller>/kubepods/...
POD_CGROUP=kubepods

log() { printf 'e2e-host: %s\n' "$*" >&2; }

# Pod to pod through the bridge, also by a Service's ClusterIP (routed back out of the
# bridge after kube-proxy's DNAT). A Docker engine on the host sets FORWARD's policy to
# DROP, and kube-proxy accepts only the replies and what comes from outside the pod CIDR,
# so without this a pod cannot reach another (a CNI's own rules do this on real nodes).
POD_FORWARD=(-i @bridge@ -o @bridge@ -m comment --comment "bbfn e2e: pod to pod" -j ACCEPT)

nft_tables() { nft list tables 2>/dev/null | sort; }

up() {
  local dir=$1 bridge=$2 cidr=$3 services=$4 name
  ((EUID == 0)) || {
    log "the e2e node needs root (bridge, iptables, mounts, cgroups)"
    exit 1
  }
  check "$bridge" || exit 1
  printf 'bridge=%s\nservices=%s\n' "$bridge" "$services" >"$dir/host.env"
  : >"$dir/sysctls"
  for name in "${SYSCTLS[@]}"; do
    if value=$(sysctl -n "$name" 2>/dev/null); then printf '%s=%s\n' "$name" "$value" >>"$dir/sysctls"; fi
  done
  nft_tables >"$dir/nft-tables"
  for name in "${HOST_DIRS[@]}"; do [[ -e $name ]] || printf '%s\n' "$name"; done >"$dir/absent-dirs"
  ip link add "$bridge" type bridge &&
    ip addr add "$cidr" dev "$bridge" &&
    ip link set "$bridge" up &&
    ip route add "$services" dev "$bridge" &&
    iptables -I FORWARD "${POD_FORWARD[@]/@bridge@/$bridge}" || {
    log "could not create bridge $bridge ($cidr) with a route to $services and pod-to-pod forwarding"
    exit 1
  }
}

check() {
  local bridge=$1 problems=()
  ip link show "$bridge" >/dev/null 2>&1 && problems+=("bridge $bridge exists")
  iptables-save 2>/dev/null | grep -q '^:KUBE-' && problems+=("KUBE-* iptables chains exist")
  for controller in "$CGROUP_ROOT"/*/; do
    [[ -d $controller$POD_CGROUP ]] && problems+=("cgroup $controller$POD_CGROUP exists") && break
  done
  ((${#problems[@]} == 0)) && return 0
  log "a previous e2e node was not cleaned up: ${problems[*]}"
  log "clean up with: node test/e2e/cluster.ts down"
  return 1
}

kill_all() { # pids...
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null
  for _ in {1..50}; do
    local alive=0 pid
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null
  return 0
}

# The shims containerd started for this run: their command line names its socket.
shim_pids() { # dir
  local proc cmdline
  for proc in /proc/[0-9]*; do
    cmdline=$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline") || continue
    [[ $cmdline == *containerd-shim-runc-v2* && $cmdline == *"$1/"* ]] && printf '%s\n' "${proc#/proc/}"
  done
}

pod_pids() {
  local controller
  for controller in "$CGROUP_ROOT"/*/; do
    [[ -d $controller$POD_CGROUP ]] || continue
    find "$controller$POD_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

stop_processes() { # dir
  local dir=$1 pids=()
  if [[ -f $dir/pids ]]; then mapfile -t pids <"$dir/pids"; fi
  kill_all "${pids[@]}"
  mapfile -t pids < <(shim_pids "$dir")
  kill_all "${pids[@]}"
}

kill_pods() {
  local pids=()
  mapfile -t pids < <(pod_pids)
  ((${#pids[@]})) && kill -KILL "${pids[@]}" 2>/dev/null
  return 0
}

unmount_under() { # dir
  local dir mounts mount
  dir=$(realpath -m "$1")
  # Deepest first; mountinfo's 5th field is the mount point (octal escapes for spaces).
  mapfile -t mounts < <(awk -v d="$dir/" 'index($5, d) == 1 { print length($5) " " $5 }' /proc/self/mountinfo |
    sort -rn | cut -d' ' -f2- | uniq)
  for mount in "${mounts[@]}"; do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || log "could not unmount $mount"
  done
}

remove_cgroups() {
  # A pod cgroup is busy (rmdir: EBUSY) until its last process is gone, and SIGKILLed
  # processes take a moment to die: retry, killing what is left, for up to 10 s.
  local controller left deadline=$((SECONDS + 10))
  while :; do
    left=0
    for controller in "$CGROUP_ROOT"/*/; do
      [[ -d $controller$POD_CGROUP ]] || continue
      find "$controller$POD_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ -d $controller$POD_CGROUP ]] && left=1
    done
    ((left)) && ((SECONDS < deadline)) || break
    kill_pods
    sleep 0.2
  done
  for controller in "$CGROUP_ROOT"/*/; do
    [[ -d $controller$POD_CGROUP ]] && log "could not remove cgroup $controller$POD_CGROUP"
  done
  return 0
}

# kube-proxy's and the kubelet's chains: the jumps into them from other chains first.
remove_kube_chains() {
  local cmd table rules line chain args
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null || continue
    for table in filter nat mangle raw; do
      rules=$("$cmd-save" -t "$table" 2>/dev/null) || continue
      grep -q '^:KUBE-' <<<"$rules" || continue
      while read -r line; do
        eval "args=(${line#-A })"
        "$cmd" -t "$table" -D "${args[@]}" 2>/dev/null
      done < <(grep -E '^-A ' <<<"$rules" | grep -E -- '-j KUBE-' | grep -vE '^-A KUBE-')
      for chain in $(grep -oE '^:KUBE-[^ ]+' <<<"$rules" | cut -c2-); do "$cmd" -t "$table" -F "$chain"; done
      for chain in $(grep -oE '^:KUBE-[^ ]+' <<<"$rules" | cut -c2-); do "$cmd" -t "$table" -X "$chain"; done
    done
  done
}

# Tables that appeared during the run: kube-proxy's and the kubelet's own, and the
# iptables tables (ip6 filter, ip mangle, ...) their first rule created, once empty.
remove_new_nft_tables() { # dir
  [[ -f $1/nft-tables ]] || return 0
  local table family name
  while read -r table family name; do
    [[ -n $name ]] || continue
    if [[ $name != *kube* ]] &&
      nft list table "$family" "$name" 2>/dev/null | grep -vqE '^\s*(table|chain|type|policy|\}|$)'; then
      continue # holds rules: not ours to remove
    fi
    nft delete table "$family" "$name" 2>/dev/null
  done < <(comm -13 "$1/nft-tables" <(nft_tables))
  return 0
}

restore_sysctls() { # dir
  [[ -f $1/sysctls ]] || return 0
  local line
  while IFS= read -r line; do
    [[ $(sysctl -n "${line%%=*}" 2>/dev/null) == "${line#*=}" ]] || sysctl -q -w "$line" >/dev/null 2>&1 ||
      log "could not restore $line"
  done <"$1/sysctls"
}

# The kubelet links each container's log into /var/log/containers; ours point into <run-dir>.
remove_log_links() { # dir
  local link
  for link in /var/log/containers/*.log; do
    [[ -L $link && $(readlink "$link") == "$1/"* ]] && rm -f "$link"
  done
  return 0
}

remove_created_dirs() { # dir
  [[ -f $1/absent-dirs ]] || return 0
  local name
  while read -r name; do
    # Only ours: it was absent before (device-plugins sockets, libcni's result cache...).
    [[ -d $name ]] && rm -rf "$name"
  done <"$1/absent-dirs"
  return 0
}

remove_network() { # dir
  [[ -f $1/host.env ]] || return 0
  local bridge services link
  bridge=$(sed -n 's/^bridge=//p' "$1/host.env")
  services=$(sed -n 's/^services=//p' "$1/host.env")
  ip route del "$services" dev "$bridge" 2>/dev/null
  while iptables -D FORWARD "${POD_FORWARD[@]/@bridge@/$bridge}" 2>/dev/null; do :; done
  for link in $(ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link del "$link" 2>/dev/null
  done
  ip link del "$bridge" 2>/dev/null
  return 0
}

down() {
  local dir=$1
  [[ -d $dir ]] || return 0
  if [[ ! -f $dir/host.env ]]; then # refused by check: the host-wide state is another run's
    stop_processes "$dir"
    unmount_under "$dir"
    return 0
  fi
  stop_processes "$dir"
  kill_pods
  unmount_under "$dir"
  remove_cgroups
  remove_kube_chains
  remove_new_nft_tables "$dir"
  restore_sysctls "$dir"
  remove_log_links "$(realpath -m "$dir")"
  remove_created_dirs "$dir"
  remove_network "$dir"
}

case ${1:-} in
up) up "${@:2}" ;;
down) down "${2:?usage: host.sh down <run-dir>}" ;;
check) check "${2:?usage: host.sh check <bridge>}" ;;
*)
  sed -n '2,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
