// Package validate is the schema gate: it validates objects against the
// JSON schemas under schemas/ with kubeconform's own validator, strict,
// offline, once per distinct object, in parallel. A kind without a schema
// is an error, never a skip.
package validate

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/yaml"

	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/schemas"
)

// Doc is one object to validate, with the versions of its environment.
type Doc struct {
	// Bytes is the object as YAML or JSON.
	Bytes []byte
	// Kubernetes is the cluster's version, "1.37.2".
	Kubernetes string
	// Versions are the components the cluster runs, which pick the CRDs.
	Versions model.Versions
}

// Problem is one schema violation of an object.
type Problem struct {
	// Path is the JSON path of the offending value, "spec.replicas" or
	// "spec.template.spec.containers[0].image"; empty for the whole object.
	Path    string
	Message string
}

// Gate validates objects against one schema folder. It is safe for
// concurrent use.
type Gate struct {
	dir        string
	mu         sync.Mutex
	validators map[string]validator.Validator
}

// New returns a gate reading schemas from dir only.
func New(dir string) *Gate {
	return &Gate{dir: dir, validators: map[string]validator.Validator{}}
}

func (g *Gate) validator(kubernetes string, v model.Versions) (validator.Validator, error) {
	key := fmt.Sprintf("%s/%+v", kubernetes, v)
	g.mu.Lock()
	defer g.mu.Unlock()
	if val, ok := g.validators[key]; ok {
		return val, nil
	}
	val, err := validator.New(schemas.Locations(g.dir, kubernetes, v), validator.Opts{
		Strict:            true,
		KubernetesVersion: kubernetes,
	})
	if err != nil {
		return nil, fmt.Errorf("schema gate: %w", err)
	}
	g.validators[key] = val
	return val, nil
}

// Validate validates every doc and returns each one's problems, in the
// order of docs. Identical docs (same bytes and versions) are validated
// once. The error is for a gate that cannot run (a cancelled context).
func (g *Gate) Validate(ctx context.Context, docs []Doc) ([][]Problem, error) {
	type job struct {
		doc  Doc
		idxs []int
	}
	byKey := map[[32]byte]*job{}
	var jobs []*job
	for i, d := range docs {
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%+v\x00", d.Kubernetes, d.Versions)
		h.Write(d.Bytes)
		var k [32]byte
		copy(k[:], h.Sum(nil))
		if j, ok := byKey[k]; ok {
			j.idxs = append(j.idxs, i)
			continue
		}
		j := &job{doc: d, idxs: []int{i}}
		byKey[k] = j
		jobs = append(jobs, j)
	}
	out := make([][]Problem, len(docs))
	work := make(chan *job)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				probs := g.one(j.doc)
				for _, i := range j.idxs {
					out[i] = probs
				}
			}
		}()
	}
	var err error
	for _, j := range jobs {
		if err = ctx.Err(); err != nil {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	return out, err
}

// one validates one document.
func (g *Gate) one(d Doc) []Problem {
	val, err := g.validator(d.Kubernetes, d.Versions)
	if err != nil {
		return []Problem{{Message: err.Error()}}
	}
	res := val.ValidateResource(resource.Resource{Bytes: d.Bytes})
	switch res.Status {
	case validator.Valid:
		return nil
	case validator.Invalid:
		var obj any
		_ = json.Unmarshal(toJSON(d.Bytes), &obj)
		probs := make([]Problem, 0, len(res.ValidationErrors))
		for _, ve := range res.ValidationErrors {
			probs = append(probs, problem(obj, ve))
		}
		if len(probs) == 0 {
			probs = append(probs, Problem{Message: res.Err.Error()})
		}
		return probs
	case validator.Empty:
		return []Problem{{Message: "empty document"}}
	default:
		msg := "cannot validate"
		if res.Err != nil {
			msg = res.Err.Error()
		}
		if strings.HasPrefix(msg, "could not find schema for ") {
			sig, _ := res.Resource.Signature()
			apiVersion, kind := "", ""
			if sig != nil {
				apiVersion, kind = sig.Version, sig.Kind
			}
			msg = fmt.Sprintf("no schema for %s %s in %s for Kubernetes %s and %s: generate it with go run ./cmd/schemas, or pin a version that has it",
				apiVersion, kind, g.dir, d.Kubernetes, versionsString(d.Versions))
		}
		return []Problem{{Message: msg}}
	}
}

func versionsString(v model.Versions) string {
	return fmt.Sprintf("Istio %s, Prometheus Operator %s, Argo CD %s, External Secrets %s", v.Istio, v.PrometheusOperator, v.ArgoCD, v.ExternalSecrets)
}

// toJSON returns b as JSON, converting YAML.
func toJSON(b []byte) []byte {
	if json.Valid(b) {
		return b
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil
	}
	return j
}

var additional = regexp.MustCompile(`^additional propert(?:y|ies) (.+) not allowed$`)

// problem turns a kubeconform error into a Problem with a JSON path. An
// unknown field is reported at the field itself, not at its parent.
func problem(obj any, ve validator.ValidationError) Problem {
	segs := pointer(ve.Path)
	msg := ve.Msg
	if m := additional.FindStringSubmatch(msg); m != nil {
		names := strings.Split(m[1], ", ")
		if len(names) == 1 {
			segs = append(segs, strings.Trim(names[0], `'"`))
			msg = fmt.Sprintf("unknown field %s", names[0])
		} else {
			msg = "unknown fields " + m[1]
		}
	}
	return Problem{Path: JSONPath(obj, segs), Message: msg}
}

// pointer splits a JSON pointer into its unescaped segments.
func pointer(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return segs
}

// JSONPath writes segments of a path into obj as "a.b[0].c", using obj to
// tell list indexes from keys; keys that are not identifiers are quoted:
// metadata.labels["app.kubernetes.io/name"].
func JSONPath(obj any, segs []string) string {
	var b strings.Builder
	cur := obj
	for _, s := range segs {
		switch c := cur.(type) {
		case []any:
			if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < len(c) {
				fmt.Fprintf(&b, "[%d]", i)
				cur = c[i]
				continue
			}
			cur = nil
		case map[string]any:
			cur = c[s]
		default:
			cur = nil
		}
		if identifier.MatchString(s) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		} else {
			fmt.Fprintf(&b, "[%q]", s)
		}
	}
	return b.String()
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$-]*$`)
