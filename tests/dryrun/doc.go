// Package dryrun holds the server-side gate's tests against a real
// kube-apiserver; they build only with the apiserver tag (make
// apiserver-test), which starts the server they need.
package dryrun
