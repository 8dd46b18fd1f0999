package finding

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		f    Finding
		want string
	}{
		{Finding{Rule: "definition", Severity: Error, File: "apps/myapp.go", Line: 12, Env: "prod", App: "myapp", Path: "Scaling.Max", Message: "1 is less than Min 2"},
			"apps/myapp.go:12: error definition: prod/myapp Scaling.Max: 1 is less than Min 2"},
		{Finding{Rule: "schema", Severity: Error, File: "out/prod/myapp/deployment-myapp.yaml", Line: 3, Column: 5, Env: "prod", App: "myapp", Kind: "Deployment", Name: "myapp", Path: "spec.replicas", Message: "expected integer"},
			"out/prod/myapp/deployment-myapp.yaml:3:5: error schema: prod/myapp Deployment/myapp spec.replicas: expected integer"},
		{Finding{Rule: "ownership", Severity: Error, File: "out/dev/x.yaml", Message: "not ours"},
			"out/dev/x.yaml: error ownership: not ours"},
		{Finding{Rule: "definition", Severity: Warning, Env: "dev", Message: "m"},
			"-: warning definition: dev: m"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestSortAndErrors(t *testing.T) {
	fs := []Finding{
		{File: "b", Line: 1, Severity: Warning},
		{File: "a", Line: 9, Severity: Info},
		{File: "a", Line: 2, Severity: Warning},
	}
	Sort(fs)
	if fs[0].Line != 2 || fs[1].Line != 9 || fs[2].File != "b" {
		t.Errorf("order %+v", fs)
	}
	if HasErrors(fs) {
		t.Error("warnings counted as errors")
	}
	if !HasErrors(append(fs, Finding{Severity: Error})) {
		t.Error("error not counted")
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, "1.2.3", nil); err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(b.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep["version"] != "1.2.3" {
		t.Errorf("version %v", rep["version"])
	}
	if fs, ok := rep["findings"].([]any); !ok || len(fs) != 0 {
		t.Errorf("findings must be an empty array, got %v", rep["findings"])
	}
	b.Reset()
	if err := WriteJSON(&b, "v", []Finding{{Rule: "r", Severity: Error}}); err != nil {
		t.Fatal(err)
	}
	var full struct{ Findings []map[string]any }
	if err := json.Unmarshal(b.Bytes(), &full); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rule", "severity", "file", "line", "column", "env", "app", "kind", "namespace", "name", "path", "message"} {
		if _, ok := full.Findings[0][k]; !ok {
			t.Errorf("JSON finding lacks %q", k)
		}
	}
}
