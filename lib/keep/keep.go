// Package keep is the rule the cache's records (the valid set, the lint
// memo, the renders) follow when a run saves them: what this run used is
// kept, and what it did not use is kept too while it does not outnumber
// it. So a record serves a few versions of the definitions in turn (a
// branch and the main line), but one that only grew would soon hold every
// version of everything.
package keep

// Keys returns the keys of m to save, in no order; used tells which
// entries this run used.
func Keys[K comparable, V any](m map[K]V, used func(V) bool) []K {
	n := 0
	for _, v := range m {
		if used(v) {
			n++
		}
	}
	keys := make([]K, 0, len(m))
	for k, v := range m {
		if len(m)-n <= n || used(v) {
			keys = append(keys, k)
		}
	}
	return keys
}
