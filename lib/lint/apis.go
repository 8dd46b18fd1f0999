package lint

import (
	"reflect"
	"strconv"
	"strings"
	"sync"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	securityv1 "istio.io/client-go/pkg/apis/security/v1"
	telemetryv1 "istio.io/client-go/pkg/apis/telemetry/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// lifecycle is when a built-in API version was deprecated and removed, as
// k8s.io/api records it for every pre-release version it still carries.
type lifecycle struct {
	deprecated, removed [2]int // major, minor; zero when not
	replacement         schema.GroupVersionKind
}

// lifecycles reads the lifecycle of every built-in kind from the types
// registered in client-go's scheme.
var lifecycles = sync.OnceValue(func() map[schema.GroupVersionKind]lifecycle {
	type deprecated interface{ APILifecycleDeprecated() (int, int) }
	type removed interface{ APILifecycleRemoved() (int, int) }
	type replaced interface {
		APILifecycleReplacement() schema.GroupVersionKind
	}
	out := map[schema.GroupVersionKind]lifecycle{}
	for gvk, t := range scheme.Scheme.AllKnownTypes() {
		obj := reflect.New(t).Interface()
		var l lifecycle
		if d, ok := obj.(deprecated); ok {
			l.deprecated[0], l.deprecated[1] = d.APILifecycleDeprecated()
		}
		if r, ok := obj.(removed); ok {
			l.removed[0], l.removed[1] = r.APILifecycleRemoved()
		}
		if r, ok := obj.(replaced); ok {
			l.replacement = r.APILifecycleReplacement()
		}
		if l.deprecated != [2]int{} || l.removed != [2]int{} {
			out[gvk] = l
		}
	}
	return out
})

// istioV1 knows the Istio kinds that have a v1 version.
var istioV1 = sync.OnceValue(func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{networkingv1.AddToScheme, securityv1.AddToScheme, telemetryv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err) // registering upstream types cannot fail
		}
	}
	return s
})

// minor parses "1.37.2" into {1, 37}.
func minor(version string) [2]int {
	parts := strings.SplitN(version, ".", 3)
	var out [2]int
	for i := 0; i < 2 && i < len(parts); i++ {
		out[i], _ = strconv.Atoi(parts[i])
	}
	return out
}

// atOrAfter reports whether version v is at or after a.
func atOrAfter(v, a [2]int) bool {
	return a != [2]int{} && (v[0] > a[0] || (v[0] == a[0] && v[1] >= a[1]))
}

func gvkOf(o *Object) schema.GroupVersionKind {
	gv, _ := schema.ParseGroupVersion(o.APIVersion())
	return gv.WithKind(o.Kind())
}
