// Package codehash writes what a cached result depends on of the program
// that made it into a hash: the source of the packages that compute it
// (embedded with go:embed), and the versions of the modules it links. A
// cache keyed by such a hash outlives a change to code it does not
// depend on, such as an app built into the same executable.
package codehash

import (
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"slices"
)

// Sources writes the name, length and content of every .go file of each
// source to h, in order.
func Sources(h io.Writer, srcs ...fs.FS) {
	for _, src := range srcs {
		names, _ := fs.Glob(src, "*.go") // sorted; the pattern is valid
		for _, name := range names {
			b, _ := fs.ReadFile(src, name) // embedded: cannot fail
			fmt.Fprintf(h, "%s\x00%d\x00%s\x00", name, len(b), b)
		}
	}
}

// Modules writes the path, version and checksum of each module the
// program links to h: every one, or with only those of the paths only
// names, in only's order.
func Modules(h io.Writer, only []string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if only == nil {
		for _, m := range info.Deps {
			fmt.Fprintf(h, "%s %s %s\x00", m.Path, m.Version, m.Sum)
		}
		return
	}
	for _, path := range only {
		if i := slices.IndexFunc(info.Deps, func(d *debug.Module) bool { return d.Path == path }); i >= 0 {
			fmt.Fprintf(h, "%s %s %s\x00", path, info.Deps[i].Version, info.Deps[i].Sum)
		}
	}
}
