#!/usr/bin/env bash
# Makes a base image with Node at /usr/local/bin/node from this checkout's Node (the npm
# package's official binary) and the shared libraries it links, for machines that cannot
# pull node:24-bookworm-slim. Nothing else is in it: no shell, no package manager.
# Usage: test/image/base-image.sh TAG
set -euo pipefail
tag=${1:?usage: base-image.sh TAG}
cd "$(dirname "$0")/../.."
node_bin=$(readlink -f node_modules/.bin/node)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/local/bin" "$root/tmp" "$root/etc/ssl/certs"
cp "$node_bin" "$root/usr/local/bin/node"
# Each library at the path the loader looks for it (ldd prints them; -L copies the file, not the link).
for lib in $(ldd "$node_bin" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnode:x:10001:10001:node:/tmp:/usr/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnode:x:10001:\n' > "$root/etc/group"
# For a pod that reaches Postgres over TLS.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"; fi

tar -C "$root" -c . | docker import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$tag" >/dev/null
echo "built $tag"
