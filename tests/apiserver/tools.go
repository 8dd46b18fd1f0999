//go:build tools

// Package apiserver pins kube-apiserver's main package so that `go mod tidy`
// keeps every module it needs.
package apiserver

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
