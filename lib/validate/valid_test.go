package validate

import (
	"bytes"
	"context"
	"io/fs"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/manifold-dev/manifold/lib/jsonval"
	"github.com/manifold-dev/manifold/lib/manifest"
	"github.com/manifold-dev/manifold/lib/render"
)

func TestValidSkipsKnownDocuments(t *testing.T) {
	good, bad := doc(dep("", "")), doc(dep("replica: 3", ""))
	v := NewValid()
	g := New(schemaDir)
	g.Valid = v
	res, err := g.Validate(context.Background(), []Doc{good, bad})
	if err != nil || len(res[0]) != 0 || len(res[1]) == 0 {
		t.Fatalf("first run: %v %v", res, err)
	}
	if !v.Changed() || len(v.keys) != 1 {
		t.Fatalf("known valid after a run: %d (changed %v), want the good one only", len(v.keys), v.Changed())
	}
	// A later run with what was saved does not validate the good document
	// again: a gate with no schemas at all passes it, and still fails the
	// bad one.
	saved := LoadValid(v.Bytes())
	empty := New(t.TempDir())
	empty.Valid = saved
	res, err = empty.Validate(context.Background(), []Doc{good, bad})
	if err != nil || len(res[0]) != 0 || len(res[1]) != 1 || !strings.Contains(res[1][0].Message, "no schema for apps/v1 Deployment") {
		t.Fatalf("second run: %v %v", res, err)
	}
	if saved.Changed() {
		t.Error("a run that learned nothing has something to save")
	}
	// Without it, the same gate finds no schema for either.
	res, _ = New(t.TempDir()).Validate(context.Background(), []Doc{good})
	if len(res[0]) != 1 {
		t.Errorf("without the set: %v", res)
	}
	// The same document for another cluster version is another key.
	other := good
	other.Kubernetes = "1.36.3"
	res, _ = empty.Validate(context.Background(), []Doc{other})
	if len(res[0]) != 1 {
		t.Errorf("known valid for another version: %v", res)
	}
	// And for another version of a component.
	other = good
	other.Versions.Istio = "1.31.0"
	res, _ = empty.Validate(context.Background(), []Doc{other})
	if len(res[0]) != 1 {
		t.Errorf("known valid for another Istio: %v", res)
	}
}

// TestValidLoadedLaterIsWaitedFor: a set whose bytes are still being read
// answers nothing before they are, then what they hold.
func TestValidLoadedLaterIsWaitedFor(t *testing.T) {
	k := [32]byte(bytes.Repeat([]byte{7}, 32))
	release := make(chan []byte)
	v := LoadValidLater(func() []byte { return <-release })
	got := make(chan []bool)
	go func() { got <- v.has([][32]byte{k}) }()
	select {
	case known := <-got:
		t.Fatalf("has did not wait for the set: %v", known)
	case <-time.After(50 * time.Millisecond):
	}
	release <- append([]byte(validHeader), k[:]...)
	if known := <-got; !known[0] {
		t.Error("the key the set was read with is not known")
	}
	if v.Changed() {
		t.Error("a lookup changed the set")
	}
}

func TestValidForgetsWhatNoRunConfirms(t *testing.T) {
	var old bytes.Buffer
	old.WriteString(validHeader)
	for i := range 10 {
		old.Write(bytes.Repeat([]byte{byte(i)}, 32))
	}
	v := LoadValid(old.Bytes())
	if len(v.keys) != 10 {
		t.Fatalf("loaded %d keys", len(v.keys))
	}
	if got := v.has([][32]byte{[32]byte(bytes.Repeat([]byte{3}, 32)), [32]byte(bytes.Repeat([]byte{99}, 32))}); !got[0] || got[1] {
		t.Errorf("has = %v, want the loaded key known and the other not", got)
	}
	v.add([32]byte(bytes.Repeat([]byte{42}, 32)))
	// 2 confirmed, 9 not: the unconfirmed outnumber them and go.
	if got := LoadValid(v.Bytes()); len(got.keys) != 2 {
		t.Errorf("kept %d keys, want the 2 this run confirmed", len(got.keys))
	}
	if got := LoadValid([]byte(validHeader + "short")); len(got.keys) != 0 {
		t.Errorf("a corrupt set loads %d keys", len(got.keys))
	}
	if len(Identity()) != 32 || !bytes.Equal(Identity(), Identity()) {
		t.Error("Identity is not one hash")
	}
}

// notVerdict are the modules the gate and the readers link that cannot
// change whether a document passes, each with the reason.
var notVerdict = map[string]string{
	"github.com/manifold-dev/manifold":      "this module: its gate's source is in Identity",
	"github.com/fxamacker/cbor/v2":          "apimachinery's CBOR serializer, not used on documents",
	"github.com/go-logr/logr":               "logging",
	"github.com/golang/protobuf":            "jsonpb, which writes Istio's specs in the definitions (a spec converts as its bytes show)",
	"github.com/hashicorp/go-cleanhttp":     "kubeconform's HTTP registry; the gate reads schemas from disk",
	"github.com/hashicorp/go-retryablehttp": "kubeconform's HTTP registry",
	"github.com/robfig/cron/v3":             "CronJob schedules in the definitions, before any document",
	"github.com/x448/float16":               "CBOR",
	"go.yaml.in/yaml/v2":                    "sigs.k8s.io/yaml's, for kubeconform's YAML input, which the gate does not take",
	"golang.org/x/mod":                      "version strings of the definitions",
	"golang.org/x/text":                     "the English wording of messages; a verdict is pass or fail",
	"google.golang.org/protobuf":            "the reflection of Istio's specs in the definitions (a spec converts as its bytes show)",
	"gopkg.in/inf.v0":                       "apimachinery's quantities, in the definitions",
	"k8s.io/apimachinery":                   "the definitions' types (an IntOrString converts as its bytes show) and name checks",
	"k8s.io/klog/v2":                        "logging",
	"k8s.io/kube-openapi":                   "apimachinery's",
	"k8s.io/utils":                          "apimachinery's",
	"sigs.k8s.io/json":                      "apimachinery's",
	"sigs.k8s.io/randfill":                  "apimachinery's fuzzing of IntOrString, which only tests call",
	"sigs.k8s.io/yaml":                      "kubeconform's YAML input, which the gate does not take",
}

// TestIdentityCoversTheVerdictModules holds verdictModules in step with
// the modules that the gate and the readers of the documents it is given
// (the compiler's renderer, cmd/lint's manifest reader) link: each is in
// Identity or has said why it cannot change a verdict.
func TestIdentityCoversTheVerdictModules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}",
		"github.com/manifold-dev/manifold/lib/validate", "github.com/manifold-dev/manifold/lib/render", "github.com/manifold-dev/manifold/lib/manifest").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	linked := map[string]bool{}
	for m := range strings.FieldsSeq(string(out)) {
		linked[m] = true
		if !slices.Contains(verdictModules, m) && notVerdict[m] == "" {
			t.Errorf("%s is linked by the gate or a reader: add it to verdictModules, or to notVerdict with the reason it cannot change a verdict", m)
		}
	}
	for _, m := range verdictModules {
		if !linked[m] {
			t.Errorf("verdictModules names %s, which nothing links", m)
		}
	}
}

// TestIdentityReadsTheReadersSources: the sources Identity hashes are the
// packages' own files.
func TestIdentityReadsTheReadersSources(t *testing.T) {
	for name, src := range map[string]fs.FS{"render.go": render.Source, "jsonval.go": jsonval.Source, "manifest.go": manifest.Source} {
		b, err := fs.ReadFile(src, name)
		if err != nil || !bytes.Contains(b, []byte("var Source embed.FS")) {
			t.Errorf("%s is not embedded: %v", name, err)
		}
	}
}
