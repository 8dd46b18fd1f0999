package keep

import (
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	used := func(v bool) bool { return v }
	cases := []struct {
		m    map[string]bool
		want []string
	}{
		{map[string]bool{}, []string{}},
		{map[string]bool{"a": true, "b": false}, []string{"a", "b"}},        // as many unused as used
		{map[string]bool{"a": true, "b": false, "c": false}, []string{"a"}}, // more unused
		{map[string]bool{"a": false}, []string{}},                           // nothing used
		{map[string]bool{"a": true, "b": true, "c": false}, []string{"a", "b", "c"}},
	}
	for _, c := range cases {
		got := Keys(c.m, used)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("Keys(%v) = %v, want %v", c.m, got, c.want)
		}
	}
}
