package validate

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
	v.has([32]byte(bytes.Repeat([]byte{3}, 32)))
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
