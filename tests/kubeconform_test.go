package tests

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/manifold-dev/manifold/apps"
	"github.com/manifold-dev/manifold/lib/schemas"
)

// TestKubeconformCLIAcceptsTheTree runs kubeconform's own command, pointed
// at schemas/ with each environment's pinned versions, over the committed
// out/<env>/ folders: every object must be valid, none skipped.
func TestKubeconformCLIAcceptsTheTree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubeconform")
	}
	for _, env := range apps.Envs() {
		args := append([]string{"tool", "kubeconform", "-strict", "-summary", "-output", "json"}, schemas.KubeconformFlags("schemas", env.Kubernetes, env.Versions)...)
		args = append(args, "out/"+env.Name)
		cmd := exec.Command("go", args...)
		cmd.Dir = ".."
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: kubeconform: %v\n%s", env.Name, err, out)
			continue
		}
		var report struct {
			Summary struct {
				Valid, Invalid, Errors, Skipped int
			} `json:"summary"`
		}
		if err := json.Unmarshal(out, &report); err != nil {
			t.Fatalf("%s: %v\n%s", env.Name, err, out)
		}
		s := report.Summary
		if s.Valid < 40 || s.Invalid+s.Errors+s.Skipped != 0 {
			t.Errorf("%s: %+v", env.Name, s)
		}
	}
}
