package lint

import (
	"crypto/sha256"
	"maps"

	"github.com/manifold-dev/manifold/lib/jsonval"
)

// The graph rules see each object without what none of them reads and an
// edit to an app most often changes: each container's image, command,
// arguments, probes, security context, lifecycle hooks and pull policy,
// the literal values of its environment variables, and the quantities of
// its resource requests and limits, of which they see only which resources
// are named (the per-object rules check all of those). So what they found
// of a graph holds across such an edit, and a Memo keeps it by what they
// see.
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

// objectView is the hash of what the graph rules see of an object, when
// known: of its bytes when they see all of it, else of its view's
// canonical encoding.
type objectView struct {
	sum [sha256.Size]byte
	ok  bool
}

// viewOf returns the hash of what the graph rules see of o, given its
// view and whether the view leaves anything out (graphView); unknown for
// an object with no Sum, or whose view holds a value that is not JSON's.
func viewOf(o *Object, view map[string]any, part bool) objectView {
	if o.Sum == ([sha256.Size]byte{}) {
		return objectView{}
	}
	if !part {
		return objectView{sum: sha256.Sum256(append([]byte("bytes\x00"), o.Sum[:]...)), ok: true}
	}
	b, ok := jsonval.AppendCanonical([]byte("view\x00"), view)
	if !ok {
		return objectView{}
	}
	return objectView{sum: sha256.Sum256(b), ok: true}
}
