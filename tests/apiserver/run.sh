#!/usr/bin/env bash
# make apiserver-test: build kube-apiserver from the k8s.io/kubernetes module
# (once; the binary is cached by the hash of this module's go.mod and go.sum),
# then run the server-side gate's tests against it and Debian's etcd.
set -euo pipefail
cd "$(dirname "$0")"
export GOTOOLCHAIN=local
version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print $3}' go.mod)
minor=$(echo "$version" | cut -d. -f2)
cache=${MANIFOLD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/manifold}
key=$(cat go.mod go.sum | sha256sum | cut -c1-16)
bin=$cache/kube-apiserver-$version-$key
if ! [ -x "$bin" ]; then
  mkdir -p "$cache"
  echo "building kube-apiserver $version into $bin (a cold build takes 10-15 minutes on two cores)" >&2
  start=$(date +%s)
  go build -trimpath -o "$bin.tmp" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    k8s.io/kubernetes/cmd/kube-apiserver
  mv "$bin.tmp" "$bin"
  echo "built in $(( $(date +%s) - start )) s" >&2
fi
"$bin" --version >&2
etcd=${ETCD:-$(command -v etcd || true)}
if [ -z "$etcd" ]; then
  echo "apiserver-test: etcd not found: install Debian's etcd-server or set ETCD" >&2
  exit 2
fi
cd ../..
KUBE_APISERVER=$bin ETCD=$etcd go test -tags apiserver -count=1 -v -timeout 20m ./tests/dryrun
