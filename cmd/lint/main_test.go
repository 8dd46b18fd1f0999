package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/manifold-dev/manifold/lib/finding"
)

func runLint(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"-schemas", "../../schemas"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUnknownFieldUnderSpec(t *testing.T) {
	code, out, _ := runLint("../../tests/lint/schema/unknown-field.yaml")
	want := `../../tests/lint/schema/unknown-field.yaml:8:3: error schema: Deployment/api spec.replica: unknown field "replica"`
	if code != 1 || strings.TrimSpace(out) != want {
		t.Errorf("exit %d\n got %s\nwant %s", code, out, want)
	}
}

func TestJSONFormat(t *testing.T) {
	code, out, _ := runLint("-format", "json", "../../tests/lint/schema/unknown-field.yaml")
	var rep finding.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	f := rep.Findings[0]
	if f.Rule != "schema" || f.Line != 8 || f.Column != 3 || f.Kind != "Deployment" || f.Name != "api" || f.Namespace != "api" || f.Path != "spec.replica" {
		t.Errorf("finding %+v", f)
	}
}

func TestExitCodes(t *testing.T) {
	if code, out, _ := runLint("../../tests/lint/schema/valid.json"); code != 0 || out != "" {
		t.Errorf("valid file: exit %d %q", code, out)
	}
	if code, _, _ := runLint("../../out"); code != 0 {
		t.Error("the committed tree does not lint clean")
	}
	for _, args := range [][]string{{}, {"no-such-file.yaml"}, {"-format", "xml", "../../out"}, {"-bogus"}} {
		if code, _, _ := runLint(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
