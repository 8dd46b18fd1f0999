package finding

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

var rules = []RuleDoc{
	{ID: "image-not-pinned", Severity: Error, Doc: "An image has no tag.", Help: "Pin a tag."},
	{ID: "schema", Severity: Error, Doc: "Schema.", Help: "Fix it."},
}

func TestSARIFValidates(t *testing.T) {
	fs := []Finding{
		{Rule: "image-not-pinned", Severity: Error, File: "out/prod/api/deployment-api.yaml", Line: 30, Column: 18, EndLine: 30, EndColumn: 30, Env: "prod", Kind: "Deployment", Name: "api", Path: "spec.template.spec.containers[0].image", Message: "latest"},
		{Rule: "schema", Severity: Warning, File: "apps/api.go", Line: 12, Env: "dev", Message: "m"},
		{Rule: "schema", Severity: Info, File: "x.yaml", Env: "dev", Message: "no line"},
	}
	var b bytes.Buffer
	if err := WriteSARIF(&b, "1.0.0", fs, rules); err != nil {
		t.Fatal(err)
	}
	rep, err := sarif.FromBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Validate(); err != nil {
		t.Fatalf("the written report does not validate: %v", err)
	}
	if len(rep.Runs) != 2 {
		t.Fatalf("want one run per environment, got %d", len(rep.Runs))
	}
	prod := rep.Runs[0]
	if len(prod.Tool.Driver.Rules) != len(rules) || *prod.Tool.Driver.Rules[0].Help.Text != "Pin a tag." {
		t.Errorf("rules %+v", prod.Tool.Driver.Rules)
	}
	res := prod.Results[0]
	region := res.Locations[0].PhysicalLocation.Region
	if *res.RuleID != "image-not-pinned" || res.Level != "error" || *region.StartLine != 30 || *region.StartColumn != 18 || *region.EndColumn != 30 {
		t.Errorf("result %+v region %+v", res, region)
	}
	if uri := *res.Locations[0].PhysicalLocation.ArtifactLocation.URI; uri != "out/prod/api/deployment-api.yaml" || strings.HasPrefix(uri, "file:") {
		t.Errorf("uri %q is not relative", uri)
	}
	if !strings.Contains(*res.Message.Text, "prod Deployment/api spec.template.spec.containers[0].image: latest") {
		t.Errorf("message %q", *res.Message.Text)
	}
	if rep.Runs[1].Results[0].Level != "warning" || rep.Runs[1].Results[1].Level != "note" {
		t.Error("severities are not mapped to SARIF levels")
	}
}

func TestSARIFWithoutFindings(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, "1.0.0", nil, rules); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	runs := raw["runs"].([]any)
	if len(runs) != 1 || runs[0].(map[string]any)["results"] == nil {
		t.Errorf("an empty report needs one run with an empty results list: %v", runs)
	}
}

func TestGitHubEscaping(t *testing.T) {
	fs := []Finding{
		{Rule: "env-duplicate", Severity: Error, File: "dir,with:odd%chars/a.yaml", Line: 3, Column: 7, EndLine: 3, EndColumn: 12,
			Message: "100% broken\r\nsecond line: a, b"},
		{Rule: "probes-identical", Severity: Warning, File: "b.yaml", Message: "w"},
		{Rule: "x", Severity: Info, Message: "i"},
	}
	var b bytes.Buffer
	if err := WriteGitHub(&b, fs); err != nil {
		t.Fatal(err)
	}
	want := "::error file=dir%2Cwith%3Aodd%25chars/a.yaml,line=3,col=7,endLine=3,endColumn=12,title=env-duplicate::100%25 broken%0D%0Asecond line: a, b\n" +
		"::warning file=b.yaml,title=probes-identical::w\n" +
		"::notice title=x::i\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if strings.Count(b.String(), "\n") != 3 {
		t.Error("a message broke out of its line")
	}
}
