// Package model holds the application model: the typed values a platform team
// writes in apps/ (App, Env and the parts of a Spec), their defaults, and the
// validation of a definition before anything is expanded from it.
//
// Per-environment variation is ordinary Go: an App's Spec function is called
// once per Env and returns the complete settings for that environment. There
// is no merging of overlays, so no field can be "unset" by accident. Where a
// zero value would be ambiguous, the model uses a distinct type instead (for
// example Scaling is either Replicas or Autoscale, never a number that might
// mean "let the autoscaler decide").
package model

import (
	"embed"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Code is this package's source: what an app renders to, and so what a
// cached render holds, depends on it (see compile's renders).
//
//go:embed *.go
var Code embed.FS

// AppName is the name of an application. It is used to refer to another app
// (a caller, a service URL), and is checked to exist when the app is compiled.
type AppName string

// App is one application: its name, the team that owns it, and its settings
// in each environment.
type App struct {
	// Name is the app's name: a DNS-1035 label, unique among all apps.
	Name AppName
	// Team owns the app. It labels every object and groups Argo CD projects.
	Team string
	// Spec returns the app's complete settings in env. It is called once for
	// every environment and must not keep state between calls.
	Spec func(env Env) Spec
	// Platform marks a component of the platform under the apps (the team
	// Prometheus, a node agent): it is compiled into
	// out/<env>/platform/<name>/ and synced by the environment's one
	// platform Application rather than an Application of its own.
	Platform bool
	// Source is where the app is defined; Define sets it. Findings about the
	// app are reported at this location.
	Source Source
}

// Source is a position in the Go source of apps/.
type Source struct {
	File string // relative to the module root, e.g. "apps/myapp.go"
	Line int
}

// String returns "file:line", or "apps" when the position is unknown.
func (s Source) String() string {
	if s.File == "" {
		return "apps"
	}
	if s.Line == 0 {
		return s.File
	}
	return s.File + ":" + strconv.Itoa(s.Line)
}

// Define returns a with its Source set to the caller's position, so that
// every finding about the app points at the line that defines it. Apps are
// written as
//
//	var MyApp = model.Define(model.App{Name: "myapp", ...})
func Define(a App) App {
	a.Source = callerSource()
	return a
}

// callerSource returns the position of the call to the function that calls it.
func callerSource() Source {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return Source{}
	}
	return Source{File: moduleRelative(file), Line: line}
}

// moduleRelative trims a compiled-in source path to the part from the last
// "apps/" folder on, which is how the module root sees it, with or without
// -trimpath.
func moduleRelative(file string) string {
	file = filepath.ToSlash(file)
	if i := strings.LastIndex(file, "/apps/"); i >= 0 {
		return file[i+1:]
	}
	if strings.HasPrefix(file, "apps/") {
		return file
	}
	return filepath.Base(file)
}
