package jsonval

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The equality with encoding/json over every compiled object is held in
// tests/render_test.go, and over YAML by lib/manifest's fuzz target; these
// are the cases of the function's own contract.
func TestObject(t *testing.T) {
	type spec struct {
		Replicas *int              `json:"replicas,omitempty"`
		Labels   map[string]string `json:"labels"`
		Ratio    float64           `json:"ratio"`
		Raw      json.Number       `json:"raw"`
		Empty    json.Number       `json:"empty"`
	}
	got, err := Object(spec{Labels: map[string]string{"b": "2", "a": "1"}, Ratio: 0.5, Raw: "1e3"})
	want := map[string]any{"labels": map[string]any{"a": "1", "b": "2"}, "ratio": json.Number("0.5"), "raw": json.Number("1e3"), "empty": json.Number("0")}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("Object = %v, %v; diff (-want +got):\n%s", got, err, cmp.Diff(want, got))
	}
	if _, err := Object([]int{1}); err == nil {
		t.Error("a list is not an object")
	}
	if _, err := Object(map[string]any{"n": json.Number("not a number")}); err == nil {
		t.Error("a json.Number that is not a number was written")
	}
}
