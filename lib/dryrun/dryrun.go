// Package dryrun is the server-side gate: it sends manifests to a real
// Kubernetes API server as server-side apply requests with dryRun=All and
// fieldValidation=Strict, and reports every rejection as a finding at the
// object's file and line, with the server's own reason. It catches what
// only the API server's validation knows (a selector that does not match
// its template, maxReplicas below minReplicas, an invalid name, an API
// version the server no longer serves, an admission policy's veto).
//
// Nothing is written to the cluster, except that Options.CreateMissing
// creates the Namespaces and CustomResourceDefinitions the objects need and
// the server lacks, for a throwaway cluster.
package dryrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/manifold-dev/manifold/lib/finding"
	"github.com/manifold-dev/manifold/lib/manifest"
	"github.com/manifold-dev/manifold/lib/validate"
)

// FieldManager is the field manager of every apply request.
const FieldManager = "manifold"

// Object is one manifest to send, with where it was read.
type Object struct {
	File string // the file, for the finding's location
	Env  string // the environment, when the file is in a manifold tree
	App  string // the app (folder), when the file is in a manifold tree
	Doc  manifest.Doc
}

// Options configure a dry run.
type Options struct {
	// CreateMissing creates, for real, every Namespace the objects need and
	// the server lacks (the tree's own definition where it has one, else a
	// bare Namespace), and every CustomResourceDefinition of the objects
	// that the server lacks. Only for a throwaway cluster.
	CreateMissing bool
	// Workers is how many requests are in flight at once; GOMAXPROCS×4
	// when zero.
	Workers int
}

// Client sends objects to one API server.
type Client struct {
	dyn       dynamic.Interface
	mapper    meta.ResettableRESTMapper
	namespace string // for namespaced objects that name none
	host      string
}

// Connect builds a client from a kubeconfig file (the usual loading rules,
// $KUBECONFIG then ~/.kube/config, when empty) and a context in it (the
// current context when empty).
func Connect(kubeconfig, kubeContext string) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("no cluster to dry-run against (give -kubeconfig, or set $KUBECONFIG, or write ~/.kube/config): %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return NewClient(cfg, ns)
}

// NewClient builds a client from a REST config; namespace is where
// namespaced objects that name no namespace go.
func NewClient(cfg *rest.Config, namespace string) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 200, 400 // dry runs are cheap; the server's own flow control still applies
	cfg.UserAgent = "manifold"
	cfg.WarningHandlerWithContext = warningCollector{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	return &Client{
		dyn:       dyn,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
		namespace: namespace,
		host:      cfg.Host,
	}, nil
}

// Host is the API server's address.
func (c *Client) Host() string { return c.host }

// Run dry-runs every object, CustomResourceDefinitions first, then
// Namespaces, then the rest, and returns a finding for each rejection
// (error) and each warning the server sends back (warning). The error is
// for a run that cannot proceed: an unreachable server, a cancelled
// context, a failure to create what CreateMissing asks for.
func (c *Client) Run(ctx context.Context, objs []Object, opts Options) ([]finding.Finding, error) {
	if opts.CreateMissing {
		if err := c.createMissing(ctx, objs); err != nil {
			return nil, err
		}
	}
	phases := make([][]Object, 3)
	for _, o := range objs {
		phases[phase(o.Doc)] = append(phases[phase(o.Doc)], o)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0) * 4
	}
	var fs []finding.Finding
	for _, ph := range phases {
		got, err := c.send(ctx, ph, workers)
		if err != nil {
			return nil, err
		}
		fs = append(fs, got...)
	}
	finding.Sort(fs)
	return fs, nil
}

// phase orders objects: CRDs, then Namespaces, then everything else.
func phase(d manifest.Doc) int {
	switch {
	case d.Kind() == "CustomResourceDefinition" && strings.HasPrefix(d.APIVersion(), "apiextensions.k8s.io/"):
		return 0
	case d.Kind() == "Namespace" && d.APIVersion() == "v1":
		return 1
	}
	return 2
}

// send dry-runs objs with a pool of workers, keeping the findings in the
// order of objs.
func (c *Client) send(ctx context.Context, objs []Object, workers int) ([]finding.Finding, error) {
	results := make([][]finding.Finding, len(objs))
	errs := make([]error, len(objs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(objs)) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = c.dryRun(ctx, objs[i])
			}
		})
	}
	for i := range objs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(results...), nil
}

// dryRun sends one object. A rejection is findings; the error is for a
// request that did not reach a verdict.
func (c *Client) dryRun(ctx context.Context, o Object) ([]finding.Finding, error) {
	gvk := schema.FromAPIVersionAndKind(o.Doc.APIVersion(), o.Doc.Kind())
	mapping, err := c.mapping(gvk)
	if meta.IsNoMatchError(err) {
		return []finding.Finding{o.finding(finding.Error, nil, "", fmt.Sprintf("the API server does not serve %s %s (removed, not yet served, or its CRD is not installed)", gvk.GroupVersion(), gvk.Kind))}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: discovery: %w", o.File, err)
	}
	body, err := json.Marshal(o.Doc.Object)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.File, err)
	}
	var ri dynamic.ResourceInterface = c.dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := o.Doc.Namespace()
		if ns == "" {
			ns = c.namespace
		}
		ri = c.dyn.Resource(mapping.Resource).Namespace(ns)
	}
	var warnings []string
	ctx = context.WithValue(ctx, warningsKey{}, &warnings)
	force := true
	_, err = ri.Patch(ctx, o.Doc.Name(), types.ApplyPatchType, body, metav1.PatchOptions{
		DryRun:          []string{metav1.DryRunAll},
		FieldManager:    FieldManager,
		Force:           &force,
		FieldValidation: metav1.FieldValidationStrict,
	})
	var fs []finding.Finding
	for _, w := range warnings {
		fs = append(fs, o.finding(finding.Warning, nil, "", "the API server warns: "+w))
	}
	var status apierrors.APIStatus
	switch {
	case err == nil:
		return fs, nil
	case errors.As(err, &status) && status.Status().Code != 0 && !retryable(status.Status()):
		return append(fs, rejection(o, status.Status())...), nil
	}
	return nil, fmt.Errorf("%s: %s %s: %w", o.File, gvk.Kind, o.Doc.Name(), err)
}

// mapping finds the resource of a kind, refreshing discovery once when the
// kind is unknown (a CRD installed since the last look).
func (c *Client) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// retryable reports the statuses that say nothing about the object: the
// server is overloaded, unavailable or timed out.
func retryable(s metav1.Status) bool {
	switch s.Reason {
	case metav1.StatusReasonServerTimeout, metav1.StatusReasonTimeout, metav1.StatusReasonTooManyRequests,
		metav1.StatusReasonServiceUnavailable, metav1.StatusReasonInternalError, metav1.StatusReasonUnauthorized:
		return true
	}
	return false
}

// rejection turns the server's refusal into findings: one per cause with a
// field, placed at that field, or one for the whole object.
func rejection(o Object, s metav1.Status) []finding.Finding {
	var fs []finding.Finding
	if s.Details != nil {
		for _, cause := range s.Details.Causes {
			if cause.Field == "" {
				continue
			}
			segs, path := o.locate(strings.TrimPrefix(cause.Field, "."))
			fs = append(fs, o.finding(finding.Error, segs, path, "the API server rejects it: "+cause.Message))
		}
	}
	if len(fs) == 0 {
		// Strict field validation of an apply names the field only in
		// the message: "….spec.ports[0].protocoll: field not declared in schema".
		var segs []string
		var path string
		if m := undeclaredField.FindStringSubmatch(s.Message); m != nil {
			segs, path = o.locate(m[1])
		}
		msg := "the API server rejects it: " + s.Message
		if s.Reason != "" {
			msg = fmt.Sprintf("the API server rejects it (%s): %s", s.Reason, s.Message)
		}
		fs = append(fs, o.finding(finding.Error, segs, path, msg))
	}
	return fs
}

// locate turns a field path of the server's into the segments of the
// object's node and the JSON path the findings use (list items by index);
// a path that does not resolve in full keeps the server's spelling.
func (o Object) locate(field string) ([]string, string) {
	want := FieldSegments(field)
	segs := resolve(o.Doc.Object, want)
	if len(segs) < len(want) {
		return segs, field
	}
	return segs, validate.JSONPath(o.Doc.Object, segs)
}

// resolve replaces the key selectors of server-side apply's paths
// (ports[port=80,protocol="TCP"]) with the index of the list item they
// select in obj; a selector that matches nothing ends the path there.
func resolve(obj any, segs []string) []string {
	out := make([]string, 0, len(segs))
	cur := obj
	for _, s := range segs {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[s]
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil {
				i = selectItem(c, s)
			}
			if i < 0 || i >= len(c) {
				return out
			}
			s, cur = strconv.Itoa(i), c[i]
		default:
			return out
		}
		out = append(out, s)
	}
	return out
}

// selectItem returns the index of the list item whose fields have the
// values of a selector `k1=v1,k2="v2"`, or -1. A key the item leaves out
// matches any value, since the server fills in defaults (a port's
// protocol) before it selects; at least one key must be present.
func selectItem(list []any, sel string) int {
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		matched, match := 0, true
		for _, kv := range strings.Split(sel, ",") {
			k, v, _ := strings.Cut(kv, "=")
			got, present := m[k]
			switch {
			case !present:
			case fmt.Sprint(got) == strings.Trim(v, `"`):
				matched++
			default:
				match = false
			}
		}
		if match && matched > 0 {
			return i
		}
	}
	return -1
}

// undeclaredField finds the field in strict field validation's message.
var undeclaredField = regexp.MustCompile(`\.([^\s:]+): field not declared in schema`)

// finding is a finding about o, at the field segs names (at the object's
// start when nil).
func (o Object) finding(sev finding.Severity, segs []string, path, msg string) finding.Finding {
	line, col := o.Doc.Line, o.Doc.Column
	var endLine, endCol int
	if segs != nil {
		line, col, endLine, endCol = manifest.Span(o.Doc.Node(), segs)
	}
	return finding.Finding{
		Rule: finding.RuleServer, Severity: sev,
		File: o.File, Line: line, Column: col, EndLine: endLine, EndColumn: endCol,
		Env: o.Env, App: o.App, Kind: o.Doc.Kind(), Namespace: o.Doc.Namespace(), Name: o.Doc.Name(),
		Path: path, Message: msg,
	}
}

// FieldSegments splits an API server field path ("spec.containers[0].image",
// "metadata.labels[app.kubernetes.io/name]") into the keys and indexes of
// the manifest package's paths.
func FieldSegments(field string) []string {
	var segs []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			segs = append(segs, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(field); i++ {
		switch ch := field[i]; ch {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(field[i:], ']')
			if end < 0 {
				cur.WriteString(field[i+1:])
				i = len(field)
				continue
			}
			seg := field[i+1 : i+end]
			if len(seg) >= 2 && seg[0] == '"' && seg[len(seg)-1] == '"' {
				seg = seg[1 : len(seg)-1]
			}
			segs = append(segs, seg)
			i += end
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return segs
}

// warningsKey carries a request's warning list in its context.
type warningsKey struct{}

// warningCollector appends each warning header to the list in the
// request's context.
type warningCollector struct{}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
func (warningCollector) HandleWarningHeaderWithContext(ctx context.Context, code int, _, text string) {
	if list, ok := ctx.Value(warningsKey{}).(*[]string); ok && code == 299 {
		*list = append(*list, text)
	}
}

// createMissing creates the CRDs and Namespaces the objects need and the
// server lacks.
func (c *Client) createMissing(ctx context.Context, objs []Object) error {
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	nsGVR := schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	own := map[string]Object{} // the tree's own Namespaces
	needed := map[string]bool{}
	var crds []Object
	for _, o := range objs {
		switch phase(o.Doc) {
		case 0:
			crds = append(crds, o)
		case 1:
			own[o.Doc.Name()] = o
			needed[o.Doc.Name()] = true
		default:
			if ns := o.Doc.Namespace(); ns != "" {
				needed[ns] = true
			}
		}
	}
	created := false
	for _, o := range crds {
		ok, err := c.create(ctx, crdGVR, o.Doc.Name(), o.Doc.Object)
		if err != nil {
			return fmt.Errorf("%s: create CustomResourceDefinition %s: %w", o.File, o.Doc.Name(), err)
		}
		if ok {
			if err := c.waitEstablished(ctx, o.Doc.Name()); err != nil {
				return err
			}
		}
		created = created || ok
	}
	for _, ns := range slices.Sorted(maps.Keys(needed)) {
		obj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}
		if o, ok := own[ns]; ok {
			obj = o.Doc.Object
		}
		if _, err := c.create(ctx, nsGVR, ns, obj); err != nil {
			return fmt.Errorf("create Namespace %s: %w", ns, err)
		}
	}
	if created {
		c.mapper.Reset()
	}
	return nil
}

// create creates obj unless the server has an object of that name; it
// reports whether it created one.
func (c *Client) create(ctx context.Context, gvr schema.GroupVersionResource, name string, obj map[string]any) (bool, error) {
	ri := c.dyn.Resource(gvr)
	if _, err := ri.Get(ctx, name, metav1.GetOptions{}); err == nil {
		return false, nil
	} else if !apierrors.IsNotFound(err) {
		return false, err
	}
	body, err := json.Marshal(obj)
	if err != nil {
		return false, err
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(body); err != nil {
		return false, err
	}
	_, err = ri.Create(ctx, u, metav1.CreateOptions{FieldManager: FieldManager})
	if apierrors.IsAlreadyExists(err) {
		return false, nil
	}
	return err == nil, err
}

// waitEstablished waits up to a minute for a CRD to be served.
func (c *Client) waitEstablished(ctx context.Context, name string) error {
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		u, err := c.dyn.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, cond := range conds {
				if m, ok := cond.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					return nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CustomResourceDefinition %s: not established within a minute", name)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FromTree reads the objects of a compiled tree (file contents by slash
// path relative to out, the first folder the environment, the second the
// app), in path order.
func FromTree(out string, files map[string][]byte) ([]Object, error) {
	var objs []Object
	for _, p := range slices.Sorted(maps.Keys(files)) {
		docs, probs := manifest.Read(files[p])
		if len(probs) > 0 {
			return nil, fmt.Errorf("%s:%d: %s", p, probs[0].Line, probs[0].Message)
		}
		env, rest, _ := strings.Cut(p, "/")
		app, _, _ := strings.Cut(rest, "/")
		for _, d := range docs {
			objs = append(objs, Object{File: strings.TrimSuffix(out, "/") + "/" + p, Env: env, App: app, Doc: d})
		}
	}
	return objs, nil
}
