// Command kubeconform runs kubeconform's own command over each
// environment's folder of a compiled tree, pointed at schemas/ with the
// environment's pinned versions (two workers, strict, as a CI job would),
// and prints per environment what it found and how fast. It exits 1 when
// an object is invalid, fails to validate or is skipped.
//
//	go build -o /tmp/kubeconform github.com/yannh/kubeconform/cmd/kubeconform
//	go run ./tests/bench/kubeconform -kubeconform /tmp/kubeconform -tree /tmp/manifold-fleet/out
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/schemas"
)

// summary is kubeconform's -summary in its JSON output.
type summary struct {
	Valid, Invalid, Errors, Skipped int
}

// print prints the summary of a run over name's objects that took took.
func (s summary) print(name string, took time.Duration) {
	n := s.Valid + s.Invalid + s.Errors + s.Skipped
	fmt.Printf("kubeconform %-8s %6d objects: %d valid, %d invalid, %d errors, %d skipped in %.2fs, %.0f objects/s\n",
		name, n, s.Valid, s.Invalid, s.Errors, s.Skipped, took.Seconds(), float64(n)/took.Seconds())
}

func main() {
	bin := flag.String("kubeconform", "kubeconform", "kubeconform's `command`")
	tree := flag.String("tree", "", "the compiled tree: a `dir` with a folder per environment")
	schemaDir := flag.String("schemas", "schemas", "the schema `dir`")
	flag.Parse()
	if *tree == "" {
		fmt.Fprintln(os.Stderr, "kubeconform: -tree is required")
		os.Exit(2)
	}
	var total summary
	var wall time.Duration
	failed := false
	for _, env := range apps.Envs() {
		args := append([]string{"-n", "2", "-strict", "-summary", "-output", "json"}, schemas.KubeconformFlags(*schemaDir, env.Kubernetes, env.Versions)...)
		args = append(args, filepath.Join(*tree, env.Name))
		start := time.Now()
		out, err := exec.Command(*bin, args...).Output()
		took := time.Since(start)
		var report struct {
			Summary summary `json:"summary"`
		}
		if jerr := json.Unmarshal(out, &report); jerr != nil {
			fmt.Fprintf(os.Stderr, "kubeconform: %s: %v (%v)\n%s", env.Name, err, jerr, out)
			os.Exit(2)
		}
		s := report.Summary
		s.print(env.Name, took)
		failed = failed || err != nil || s.Invalid+s.Errors+s.Skipped > 0
		total.Valid += s.Valid
		total.Invalid += s.Invalid
		total.Errors += s.Errors
		total.Skipped += s.Skipped
		wall += took
	}
	total.print("all", wall)
	if failed {
		os.Exit(1)
	}
}
