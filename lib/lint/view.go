package lint

import (
	"crypto/sha256"
	"maps"
	"slices"

	"github.com/manifold-dev/manifold/lib/jsonval"
)

// The graph rules see each object without what none of them reads and an
// edit to an app most often changes: each container's image, command,
// arguments, probes, security context, lifecycle hooks and pull policy,
// the literal values of its environment variables, and the quantities of
// its resource requests and limits, of which they see only which resources
// are named (the per-object rules check all of those). So what they found
// of a graph holds across such an edit, and a Memo keeps it by what they
// see. A scaling edit changes what only a few of them read (scaleCounts):
// those are kept apart, by what they see, and shown only the kinds they
// read, so that it runs again just those, on just those objects.
var (
	viewContainers = []string{"containers", "initContainers", "ephemeralContainers"}
	viewDropped    = []string{"image", "command", "args", "livenessProbe", "readinessProbe", "startupProbe", "securityContext", "lifecycle", "imagePullPolicy"}
	viewQuantities = []string{"requests", "limits"}
)

// graphView returns what the graph rules see of o's value: the value
// itself, or for a workload a copy of the path to its containers without
// the fields viewDropped names, without their environment variables'
// literal values, and with each quantity of their resources null. The
// rest is shared with the value, which is not changed.
func graphView(o *Object) (map[string]any, bool) {
	segs, ok := podPaths[o.Kind()]
	if !ok || dig(o.Value, segs) == nil {
		return o.Value, false
	}
	view := maps.Clone(o.Value)
	pod := view
	for _, s := range segs {
		next := maps.Clone(Map(pod, s))
		pod[s] = next
		pod = next
	}
	for _, key := range viewContainers {
		list, ok := pod[key].([]any)
		if !ok {
			continue
		}
		seen := make([]any, len(list))
		for i, c := range list {
			m, ok := c.(map[string]any)
			if !ok {
				seen[i] = c
				continue
			}
			m = maps.Clone(m)
			for _, f := range viewDropped {
				delete(m, f)
			}
			if res, ok := m["resources"].(map[string]any); ok {
				res = maps.Clone(res)
				for _, f := range viewQuantities {
					if q, ok := res[f].(map[string]any); ok {
						named := make(map[string]any, len(q))
						for name := range q {
							named[name] = nil
						}
						res[f] = named
					}
				}
				m["resources"] = res
			}
			if env, ok := m["env"].([]any); ok {
				vars := make([]any, len(env))
				for j, e := range env {
					if v, ok := e.(map[string]any); ok {
						v = maps.Clone(v)
						delete(v, "value")
						e = v
					}
					vars[j] = e
				}
				m["env"] = vars
			}
			seen[i] = m
		}
		pod[key] = seen
	}
	return view, true
}

// scaleCounts are, by kind, the fields of an object's spec that say how
// many pods it asks for: what a scaling edit changes. Only the graph rules
// that read them (Rule.Scale) see them; the rest are shown each object
// with them null (blindView): that they are set, not to what, so that what
// those find of a graph holds across a scaling edit.
var scaleCounts = map[string][]string{
	"Deployment":              {"replicas"},
	"ReplicaSet":              {"replicas"},
	"ReplicationController":   {"replicas"},
	"StatefulSet":             {"replicas"},
	"HorizontalPodAutoscaler": {"minReplicas", "maxReplicas"},
}

// blindView returns view, what the graph rules see of o (graphView), with
// each count scaleCounts names null, and whether it had any: a copy of the
// path to them, the rest shared.
func blindView(o *Object, view map[string]any) (map[string]any, bool) {
	fields := scaleCounts[o.Kind()]
	spec := Map(view, "spec")
	if !slices.ContainsFunc(fields, func(f string) bool { _, ok := spec[f]; return ok }) {
		return view, false
	}
	spec = maps.Clone(spec)
	for _, f := range fields {
		if _, ok := spec[f]; ok {
			spec[f] = nil
		}
	}
	blind := maps.Clone(view)
	blind["spec"] = spec
	return blind, true
}

// objectView is the hash of what the graph rules see of an object, when
// known: of its bytes when they see all of it, else of its view's
// canonical encoding; that of what the rules that do not read replica
// counts see, the same when it has none; and that of its identity.
type objectView struct {
	sum, blind, names [sha256.Size]byte
	ok                bool
}

// identityOf returns what the rules that read every object's identity
// (Rule.Names) see of o: its API version, kind, name and namespace.
func identityOf(o *Object) map[string]any {
	meta := map[string]any{"name": o.Name()}
	if ns := o.Namespace(); ns != "" {
		meta["namespace"] = ns
	}
	return map[string]any{"apiVersion": o.APIVersion(), "kind": o.Kind(), "metadata": meta}
}

// viewOf returns the hashes of what the graph rules see of o, given its
// view and whether the view leaves anything out (graphView), and its view
// without replica counts and whether that leaves any out (blindView);
// unknown for an object with no Sum, or whose view holds a value that is
// not JSON's.
func viewOf(o *Object, view map[string]any, part bool, blind map[string]any, blinded bool) objectView {
	if o.Sum == ([sha256.Size]byte{}) {
		return objectView{}
	}
	v := objectView{sum: sha256.Sum256(append([]byte("bytes\x00"), o.Sum[:]...)), ok: true}
	if part {
		v.sum, v.ok = canonicalSum(view)
	}
	v.blind = v.sum
	if blinded && v.ok {
		v.blind, v.ok = canonicalSum(blind)
	}
	if v.ok {
		v.names, v.ok = canonicalSum(identityOf(o))
	}
	if !v.ok {
		return objectView{}
	}
	return v
}

// canonicalSum is the hash of a view's canonical encoding, if it has one.
func canonicalSum(view map[string]any) ([sha256.Size]byte, bool) {
	b, ok := jsonval.AppendCanonical([]byte("view\x00"), view)
	if !ok {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(b), true
}
