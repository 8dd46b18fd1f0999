// Package compile runs the pipeline from the apps' typed definitions to the
// bytes of the tree under out/: validate the definitions, expand each app in
// each environment, check the derived objects, and render them. Nothing is
// written here; package tree writes or checks the result.
package compile

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/manifold-dev/manifold/lib/expand"
	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/gcfloor"
	"github.com/manifold-dev/manifold/lib/lint"
	"github.com/manifold-dev/manifold/lib/model"
	"github.com/manifold-dev/manifold/lib/render"
	"github.com/manifold-dev/manifold/lib/tree"
	"github.com/manifold-dev/manifold/lib/validate"
	"github.com/manifold-dev/manifold/lib/workers"
)

// Options narrow a compile to some environments and apps.
type Options struct {
	Envs []string // compile only these environments; all when empty
	Apps []string // compile only these apps; all when empty
	// Schemas is the folder of JSON schemas every object is validated
	// against (schemas/ at the repository root).
	Schemas string
	// Lint configures the lint rules the compiled objects must pass.
	Lint *lint.Config
	// Valid, when set, holds the objects known to pass the schema gate
	// from earlier runs (see validate.Valid); this run's are added.
	Valid *validate.Valid
	// Memo, when set, holds what the lint rules found of objects and
	// graphs in earlier runs (see lint.Memo); this run's are added.
	Memo *lint.Memo
	// Renders, when set, holds what apps rendered to in earlier runs: an
	// app whose rendering reads what it read then is not rendered again.
	// This run's are added.
	Renders Renders
}

// Object is one compiled object and where it came from.
type Object struct {
	Env *model.Env // shared by the environment's objects
	// App is the app the object belongs to; zero for the environment's own
	// objects (the root Application, the AppProjects).
	App model.App
	// Folder is the object's folder under out/<env>/: the app's name, or
	// expand.ArgoFolder.
	Folder    string
	GVK       schema.GroupVersionKind
	Namespace string
	Name      string
	Path      string // slash path relative to out/
}

// Source is where the object's definition is: its app's, or for the
// environment's own objects, the environment's.
func (o Object) Source() model.Source {
	if o.App.Name == "" {
		return o.Env.Source
	}
	return o.App.Source
}

// Result is a compiled tree and everything found on the way. When Findings
// has an error, Tree is empty: a failed compile writes nothing.
type Result struct {
	Objects []Object
	Tree    tree.Tree
	// Digest is Tree by its files' content hashes, as Tree.Digest gives
	// it: found once, with the hashes the lint memo knows objects by.
	Digest   tree.Digest
	Scope    tree.Scope // the part of out/ this compile is responsible for
	Findings []finding.Finding
}

// UsageError is a problem with the options rather than the definitions.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Compile compiles apps for envs. It returns an error only when it cannot
// run (bad options, a cancelled context, an internal failure); problems
// with the definitions are findings in the Result.
func Compile(ctx context.Context, apps []model.App, envs []model.Env, opts Options) (Result, error) {
	var res Result
	selEnvs, selApps, err := selectWork(apps, envs, opts)
	if err != nil {
		return res, err
	}
	probs := model.ValidateEnvs(envs)
	probs = append(probs, model.ValidateApps(apps)...)
	worlds := make([]model.World, 0, len(selEnvs))
	for _, env := range selEnvs {
		w, p := model.Resolve(env, apps)
		probs = append(probs, p...)
		// Each app's spec is checked on its own: in parallel, in order.
		specProbs := make([][]model.Problem, len(selApps))
		workers.Each(len(selApps), func(i int) { specProbs[i] = model.ValidateSpec(w, selApps[i]) })
		probs = append(probs, slices.Concat(specProbs...)...)
		worlds = append(worlds, w)
	}
	res.Findings = definitionFindings(probs)
	if finding.HasErrors(res.Findings) {
		return res, nil
	}

	// One environment at a time: expand and render its apps in parallel,
	// then validate and lint its objects, and keep only their bytes. So
	// only one environment's decoded objects are held at once, which
	// halves the peak memory and the collector's work.
	if opts.Schemas == "" {
		return res, &UsageError{"no schema folder given"}
	}
	gate := validate.New(opts.Schemas)
	gate.Valid = opts.Valid
	enc := new(render.Encoder)
	res.Tree = tree.Tree{Files: map[string][]byte{}, Envs: map[string]map[string]string{}}
	res.Digest = tree.Digest{Files: map[string]tree.Sum{}, Envs: res.Tree.Envs}
	failed := false // an environment has name errors: the others are only rendered, for theirs
	for i := range worlds {
		r, err := renderEnv(ctx, enc, &worlds[i], selApps, opts.Renders)
		if err != nil {
			return Result{}, err
		}
		if i == 0 {
			// The maps of the whole tree are made at the size the first
			// environment foretells: the next ones have about as many
			// objects, and a map grown one object at a time is rehashed
			// again and again on the way.
			n := len(r.objs)*len(worlds) + len(r.objs)/8
			res.Tree.Files = make(map[string][]byte, n)
			res.Digest.Files = make(map[string]tree.Sum, n)
		}
		objs, values, raw, sums := r.objs, r.vals, r.raw, r.sums
		fs := append(r.names, duplicateFindings(objs)...)
		res.Findings = append(res.Findings, fs...)
		failed = failed || finding.HasErrors(fs)
		if !failed {
			place(objs, raw, res.Tree.Files)
			for i, o := range objs {
				res.Digest.Files[o.Path] = sums[i]
			}
			more, err := checkEnv(ctx, gate, worlds[i], selApps, objs, values, raw, sums, opts)
			if err != nil {
				return Result{}, err
			}
			res.Findings = append(res.Findings, more...)
		}
		// The next environments have about as many objects.
		res.Objects = append(slices.Grow(res.Objects, len(objs)*(len(worlds)-i)), objs...)
		res.Tree.Envs[worlds[i].Env.Name] = worlds[i].Env.Pins()
		if i < len(worlds)-1 {
			// The environment's decoded objects are garbage now: collected
			// before the next environment allocates its own (when it
			// would not fit otherwise), they cost the collector little and
			// the next one no fresh memory.
			gcfloor.Collect()
		}
	}
	finding.Sort(res.Findings)
	if finding.HasErrors(res.Findings) {
		return Result{Findings: res.Findings}, nil
	}
	res.Scope = scope(selEnvs, selApps, opts, res.Objects)
	return res, nil
}

// rendered is what objects rendered to: each object, its value, its bytes
// and their SHA-256, in order, and the findings of the names that are not
// valid (see nameFindings).
type rendered struct {
	objs  []Object
	vals  []*value
	raw   [][]byte
	sums  [][sha256.Size]byte
	names []finding.Finding
}

// renderEnv expands and renders the environment's own objects and every
// app's, in parallel; the results keep their order, so the output does not
// depend on it. The objects share w's Env. An app whose render is in
// renders is taken from there; the others' renders are put there.
func renderEnv(ctx context.Context, enc *render.Encoder, w *model.World, apps []model.App, renders Renders) (rendered, error) {
	type unit struct {
		a model.App // zero for the environment's own objects
		rendered
		err error
	}
	units := make([]*unit, 0, len(apps)+1)
	units = append(units, &unit{})
	for _, a := range apps {
		units = append(units, &unit{a: a})
	}
	var env [sha256.Size]byte
	keyed := false
	if renders != nil {
		env, keyed = envKey(w.Env)
	}
	err := workers.EachCtx(ctx, len(units), func(i int) {
		u := units[i]
		add := func(folder string, objs []expand.Object) {
			for _, obj := range objs {
				v, err := render.Clean(obj)
				if err == nil {
					var b []byte
					if b, err = enc.Encode(v); err == nil {
						// The typed object is not kept: its rendered value and
						// bytes say everything later stages need.
						u.objs = append(u.objs, Object{Env: &w.Env, App: u.a, Folder: folder, GVK: obj.GetObjectKind().GroupVersionKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()})
						u.vals = append(u.vals, renderedValue(v))
						u.raw = append(u.raw, b)
						u.sums = append(u.sums, sha256.Sum256(b))
						continue
					}
				}
				u.err = fmt.Errorf("%s/%s %s: %w", w.Env.Name, u.a.Name, obj.GetName(), err)
			}
		}
		if u.a.Name == "" {
			add(expand.ArgoFolder, expand.Env(*w))
			u.names = nameFindings(u.objs)
			return
		}
		in := expand.NewInput(*w, u.a)
		key, ok := [sha256.Size]byte{}, false
		if keyed {
			key, ok = renderKey(env, in)
		}
		if ok {
			if b, hit := renders.Get(key); hit {
				if r, named, err := decodeRender(b, &w.Env, u.a); err == nil {
					u.rendered = r
					if !named { // a render whose names all passed says so
						u.names = nameFindings(u.objs)
					}
					return
				}
			}
		}
		add(expand.FolderOf(u.a), expand.App(in))
		add(expand.ArgoFolder, expand.Argo(in))
		u.names = nameFindings(u.objs)
		if ok && u.err == nil {
			if b, encoded := encodeRender(u.rendered); encoded {
				renders.Put(key, b)
			}
		}
	})
	if err != nil {
		return rendered{}, err
	}
	n := 0
	for _, u := range units {
		if u.err != nil {
			return rendered{}, u.err
		}
		n += len(u.objs)
	}
	r := rendered{objs: make([]Object, 0, n), vals: make([]*value, 0, n), raw: make([][]byte, 0, n), sums: make([][sha256.Size]byte, 0, n)}
	for _, u := range units {
		r.objs = append(r.objs, u.objs...)
		r.vals = append(r.vals, u.vals...)
		r.raw = append(r.raw, u.raw...)
		r.sums = append(r.sums, u.sums...)
		r.names = append(r.names, u.names...)
	}
	return r, nil
}

// place names the files of one environment's objects and adds them to
// files. A kind that two API groups use in the environment is qualified
// with its group in the file name.
func place(objs []Object, raw [][]byte, files map[string][]byte) {
	qualify := ambiguousKinds(objs)
	workers.Each(len(objs), func(i int) {
		o := &objs[i]
		name := render.FileName(o.GVK.Kind, o.GVK.Group, o.Name, qualify[o.GVK.Kind])
		o.Path = path.Join(o.Env.Name, o.Folder, name)
	})
	for i, o := range objs {
		files[o.Path] = raw[i] // duplicateFindings ruled out two objects at one path
	}
}

// checkEnv runs the schema gate and the lint rules over one environment's
// rendered objects; sums are the hashes of their bytes.
func checkEnv(ctx context.Context, gate *validate.Gate, w model.World, selApps []model.App, objs []Object, values []*value, raw [][]byte, sums [][sha256.Size]byte, opts Options) ([]finding.Finding, error) {
	fs, err := validateObjects(ctx, gate, objs, values, raw, sums)
	if err != nil {
		return nil, err
	}
	return append(fs, lintObjects(w, selApps, objs, values, sums, opts)...), nil
}

// lintObjects runs the lint rules over an environment's compiled graph.
// A finding is located at the app's definition; its path is the path in
// the object, and cmd/lint on out/ reports the same finding at the file.
func lintObjects(w model.World, selApps []model.App, objs []Object, values []*value, sums [][sha256.Size]byte, opts Options) []finding.Finding {
	selected := make(map[model.AppName]bool, len(selApps))
	for _, a := range selApps {
		selected[a.Name] = true
	}
	gobjs := make([]*lint.Object, len(objs))
	workers.Each(len(objs), func(i int) {
		src := objs[i].Source()
		o := values[i].lint // a render's, with its identity read
		if o == nil {
			o = &lint.Object{Value: values[i].v}
		}
		o.App = string(objs[i].App.Name)
		o.File = path.Join(w.Env.GitOps.Path, objs[i].Path)
		o.Load = values[i].get
		o.Sum = sums[i]
		o.Locate = func([]string) finding.Position {
			return finding.Position{File: src.File, Line: src.Line}
		}
		gobjs[i] = o
	})
	out := w.Env.Outside()
	facts := lint.Facts{Principals: out.Principals, Namespaces: out.Namespaces, ClusterJobs: out.ClusterJobs}
	for _, a := range w.Apps {
		if !selected[a.Name] {
			// An app this compile leaves out exists all the same.
			facts.Principals = append(facts.Principals, expand.PrincipalOf(w.Env, a.Name))
			facts.Namespaces = append(facts.Namespaces, w.Env.Namespace(a.Name))
			facts.Folders = append(facts.Folders, expand.Folder(w.Env, expand.FolderOf(a)))
		}
	}
	g := lint.NewGraph(w.Env.Name, w.Env.Kubernetes, w.Env.Production, facts, gobjs)
	return opts.Memo.Run([]*lint.Graph{g}, lint.Rules(), opts.Lint)
}

// validateObjects is the schema gate: every rendered object against the
// schemas of its environment's versions.
func validateObjects(ctx context.Context, gate *validate.Gate, objs []Object, values []*value, raw [][]byte, sums [][sha256.Size]byte) ([]finding.Finding, error) {
	docs := make([]validate.Doc, len(objs))
	for i, o := range objs {
		docs[i] = validate.Doc{Kubernetes: o.Env.Kubernetes, Versions: o.Env.Versions, Encoded: raw[i], Sum: sums[i], Load: func() any { return values[i].get() }}
		if values[i].v != nil {
			docs[i].Object = values[i].v
		}
	}
	results, err := gate.Validate(ctx, docs)
	if err != nil {
		return nil, err
	}
	var fs []finding.Finding
	for i, probs := range results {
		o := objs[i]
		for _, p := range probs {
			fs = append(fs, finding.Finding{
				Rule: finding.RuleSchema, Severity: finding.Error,
				File: o.Source().File, Line: o.Source().Line,
				Env: o.Env.Name, App: string(o.App.Name), Kind: o.GVK.Kind, Namespace: o.Namespace, Name: o.Name,
				Path: p.Path, Message: p.Message,
			})
		}
	}
	return fs, nil
}

// selectWork applies the -env and -app filters, refusing unknown names.
func selectWork(apps []model.App, envs []model.Env, opts Options) ([]model.Env, []model.App, error) {
	var selEnvs []model.Env
	for _, e := range envs {
		if len(opts.Envs) == 0 || slices.Contains(opts.Envs, e.Name) {
			selEnvs = append(selEnvs, e)
		}
	}
	for _, name := range opts.Envs {
		if !slices.ContainsFunc(envs, func(e model.Env) bool { return e.Name == name }) {
			return nil, nil, &UsageError{fmt.Sprintf("-env %s: no such environment", name)}
		}
	}
	var selApps []model.App
	for _, a := range apps {
		if len(opts.Apps) == 0 || slices.Contains(opts.Apps, string(a.Name)) {
			selApps = append(selApps, a)
		}
	}
	for _, name := range opts.Apps {
		if !slices.ContainsFunc(apps, func(a model.App) bool { return string(a.Name) == name }) {
			return nil, nil, &UsageError{fmt.Sprintf("-app %s: no such app", name)}
		}
	}
	return selEnvs, selApps, nil
}

// scope is the part of out/ the selection owns: whole environment folders,
// or only the selected apps' folders in them and the argocd files compiled
// (a narrowed compile prunes nothing in the argocd folder).
func scope(envs []model.Env, apps []model.App, opts Options, objs []Object) tree.Scope {
	if len(opts.Envs) == 0 && len(opts.Apps) == 0 {
		return nil
	}
	s := tree.Scope{}
	for _, e := range envs {
		if len(opts.Apps) == 0 {
			s = append(s, e.Name+"/")
			continue
		}
		for _, a := range apps {
			s = append(s, e.Name+"/"+expand.FolderOf(a)+"/")
		}
	}
	if len(opts.Apps) > 0 {
		for _, o := range objs {
			if o.Folder == expand.ArgoFolder {
				s = append(s, o.Path)
			}
		}
	}
	return s
}

func definitionFindings(probs []model.Problem) []finding.Finding {
	fs := make([]finding.Finding, 0, len(probs))
	for _, p := range probs {
		fs = append(fs, finding.Finding{
			Rule:     finding.RuleDefinition,
			Severity: finding.Error,
			File:     p.Source.File,
			Line:     p.Source.Line,
			Env:      p.Env,
			App:      string(p.App),
			Path:     p.Field,
			Message:  p.Message,
		})
	}
	finding.Sort(fs)
	return fs
}

// nameFindings checks every derived object name: each must be a DNS-1123
// label (at most 63 characters), and a Service's a DNS-1035 label, so that
// a long app name fails here, at its definition, and not in the cluster.
func nameFindings(objs []Object) []finding.Finding {
	var fs []finding.Finding
	for i := range objs {
		if f := nameFinding(&objs[i]); f != nil {
			fs = append(fs, *f)
		}
	}
	return fs
}

// nameFinding is the finding of an object whose name is not valid, or nil.
func nameFinding(o *Object) *finding.Finding {
	name := o.Name
	check := validation.IsDNS1123Label
	if o.GVK.Kind == "Service" {
		check = validation.IsDNS1035Label
	}
	errs := check(name)
	if len(errs) == 0 {
		return nil
	}
	msg := fmt.Sprintf("derived name %q is not valid: %s", name, strings.Join(errs, "; "))
	if len(name) > validation.DNS1123LabelMaxLength {
		msg = fmt.Sprintf("derived name %q is %d characters, more than %d: shorten the app or secret name", name, len(name), validation.DNS1123LabelMaxLength)
	}
	return &finding.Finding{
		Rule:      finding.RuleDefinition,
		Severity:  finding.Error,
		File:      o.Source().File,
		Line:      o.Source().Line,
		Env:       o.Env.Name,
		App:       string(o.App.Name),
		Kind:      o.GVK.Kind,
		Namespace: o.Namespace,
		Name:      name,
		Path:      "metadata.name",
		Message:   msg,
	}
}

// duplicateFindings reports two objects of one kind with one name in one
// namespace, such as an app named like another app's dependency: both would
// be the same object in the cluster.
func duplicateFindings(objs []Object) []finding.Finding {
	var fs []finding.Finding
	type id struct{ group, kind, namespace, name string }
	first := make(map[id]*Object, len(objs))
	for i := range objs {
		o := &objs[i]
		key := id{o.GVK.Group, o.GVK.Kind, o.Namespace, o.Name} // objs are of one environment
		prev, dup := first[key]
		if !dup {
			first[key] = o
			continue
		}
		fs = append(fs, finding.Finding{
			Rule: finding.RuleDefinition, Severity: finding.Error,
			File: o.Source().File, Line: o.Source().Line,
			Env: o.Env.Name, App: string(o.App.Name), Kind: o.GVK.Kind, Namespace: o.Namespace, Name: o.Name,
			Path:    "metadata.name",
			Message: fmt.Sprintf("the same object is also derived from %s (%s): rename one of them", prev.Source(), orEnv(prev)),
		})
	}
	return fs
}

func orEnv(o *Object) string {
	if o.App.Name == "" {
		return "environment " + o.Env.Name
	}
	return "app " + string(o.App.Name)
}

// ambiguousKinds returns the kinds that more than one API group in the
// tree uses; their files are named with the group.
func ambiguousKinds(objs []Object) map[string]bool {
	groups := map[string]map[string]bool{}
	for _, o := range objs {
		if groups[o.GVK.Kind] == nil {
			groups[o.GVK.Kind] = map[string]bool{}
		}
		groups[o.GVK.Kind][o.GVK.Group] = true
	}
	out := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		if len(groups[k]) > 1 {
			out[k] = true
		}
	}
	return out
}
