package tree

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func files(kv ...string) Tree {
	t := Tree{Files: map[string][]byte{}, Envs: map[string]map[string]string{"dev": {"kubernetes": "1.37.2"}}}
	for i := 0; i < len(kv); i += 2 {
		t.Files[kv[i]] = []byte(kv[i+1])
	}
	return t
}

func read(t *testing.T, dir, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(dir, p string) bool {
	_, err := os.Lstat(filepath.Join(dir, p))
	return err == nil
}

func TestWriteRecordsAndPrunes(t *testing.T) {
	dir := t.TempDir()
	res, err := Write(dir, files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 2 {
		t.Errorf("written %v", res.Written)
	}
	rec, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Files["dev/a/x.yaml"] != Hash([]byte("x1")) || rec.Envs["dev"]["kubernetes"] != "1.37.2" {
		t.Errorf("record %+v", rec)
	}
	fi, err := os.Stat(filepath.Join(dir, "dev/a/x.yaml"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, err %v", fi.Mode(), err)
	}

	// App b is gone: its file and its folder are pruned; a is rewritten.
	res, err = Write(dir, files("dev/a/x.yaml", "x2"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 1 || res.Removed[0] != "dev/b/y.yaml" || exists(dir, "dev/b") {
		t.Errorf("removed %v; dev/b exists: %v", res.Removed, exists(dir, "dev/b"))
	}
	if got := read(t, dir, "dev/a/x.yaml"); got != "x2" {
		t.Errorf("content %q", got)
	}
	rec, _ = ReadRecord(dir)
	if _, ok := rec.Files["dev/b/y.yaml"]; ok || len(rec.Files) != 1 {
		t.Errorf("record still owns pruned file: %+v", rec.Files)
	}

	// Unchanged content is not rewritten.
	res, err = Write(dir, files("dev/a/x.yaml", "x2"), nil)
	if err != nil || len(res.Written) != 0 || res.Unchanged != 1 {
		t.Errorf("second identical write: %+v, %v", res, err)
	}
}

// TestWriteWithTheCallersDigest: a Writer given the tree's digest writes
// what one that hashes the files itself writes, and records the sums it
// was given.
func TestWriteWithTheCallersDigest(t *testing.T) {
	tr := files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1")
	own, given := t.TempDir(), t.TempDir()
	if _, err := Write(own, tr, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := (Writer{Digest: tr.Digest()}).Write(given, tr, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{RecordName, "dev/a/x.yaml", "dev/b/y.yaml"} {
		if a, b := read(t, own, p), read(t, given, p); a != b {
			t.Errorf("%s: %q, with the digest given %q", p, a, b)
		}
	}
	// The record holds the sums given: a digest is the caller's word.
	d := tr.Digest()
	d.Files["dev/a/x.yaml"] = Hash([]byte("other"))
	dir := t.TempDir()
	if _, err := (Writer{Digest: d}).Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	if rec, err := ReadRecord(dir); err != nil || rec.Files["dev/a/x.yaml"] != Hash([]byte("other")) {
		t.Errorf("record %+v, %v: the digest given was not used", rec.Files, err)
	}
}

// TestWriteDropsAnEnvironmentNoLongerCompiled: an environment that is
// neither compiled nor has files leaves the record, even when no file is
// pruned.
func TestWriteDropsAnEnvironmentNoLongerCompiled(t *testing.T) {
	dir := t.TempDir()
	tr := files("dev/a/x.yaml", "x1")
	tr.Envs["staging"] = map[string]string{"kubernetes": "1.37.2"} // compiled to no file
	if _, err := Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	if rec, _ := ReadRecord(dir); rec.Envs["staging"] == nil {
		t.Fatalf("staging not recorded: %+v", rec.Envs)
	}
	res, err := Write(dir, files("dev/a/x.yaml", "x1"), nil)
	if err != nil || len(res.Removed) != 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	if rec, _ := ReadRecord(dir); rec.Envs["staging"] != nil || rec.Envs["dev"] == nil {
		t.Errorf("record's environments: %+v", rec.Envs)
	}
}

func TestWriteRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dev/a"), 0o755); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "dev/a/x.yaml")
	if err := os.WriteFile(foreign, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Write(dir, files("dev/a/x.yaml", "x", "dev/a/z.yaml", "z"), nil)
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(conflict.Conflicts) != 1 || conflict.Conflicts[0].Path != "dev/a/x.yaml" {
		t.Fatalf("want a conflict on dev/a/x.yaml, got %v", err)
	}
	if !strings.Contains(err.Error(), "not written by manifold") {
		t.Errorf("message %q", err)
	}
	if got := read(t, dir, "dev/a/x.yaml"); got != "mine" {
		t.Errorf("foreign file overwritten: %q", got)
	}
	if exists(dir, "dev/a/z.yaml") || exists(dir, RecordName) {
		t.Error("a refused run wrote something")
	}
}

func TestWriteNeverDeletesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files("dev/a/x.yaml", "x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev/a/notes.md"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, files(), nil); err != nil {
		t.Fatal(err)
	}
	if exists(dir, "dev/a/x.yaml") {
		t.Error("owned file not pruned")
	}
	if got := read(t, dir, "dev/a/notes.md"); got != "keep" {
		t.Errorf("foreign file touched: %q", got)
	}
}

func TestWriteScopeLimitsPruning(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files("dev/a/x.yaml", "x", "prod/a/x.yaml", "x"), nil); err != nil {
		t.Fatal(err)
	}
	// A compile of dev only does not prune prod.
	if _, err := Write(dir, files(), Scope{"dev/"}); err != nil {
		t.Fatal(err)
	}
	if exists(dir, "dev/a/x.yaml") || !exists(dir, "prod/a/x.yaml") {
		t.Errorf("dev exists %v, prod exists %v", exists(dir, "dev/a/x.yaml"), exists(dir, "prod/a/x.yaml"))
	}
}

func TestWriteRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "dev")); err != nil {
		t.Fatal(err)
	}
	_, err := Write(dir, files("dev/a/x.yaml", "x"), nil)
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("want a symlink refusal, got %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote through the symlink: %v", entries)
	}
}

func TestWriteCleansItsOwnTempFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files("dev/a/x.yaml", "x"), nil); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "dev/a", tempPrefix+"123")
	if err := os.WriteFile(tmp, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	diffs, err := Check(dir, files("dev/a/x.yaml", "x").Digest(), nil, nil, nil)
	if err != nil || len(diffs) != 1 || diffs[0].State != Unexpected || !strings.Contains(diffs[0].Reason, "temp file") {
		t.Errorf("check sees %+v, %v", diffs, err)
	}
	if _, err := Write(dir, files("dev/a/x.yaml", "x"), nil); err != nil {
		t.Fatal(err)
	}
	if exists(dir, "dev/a/"+tempPrefix+"123") {
		t.Error("leftover temp file not removed")
	}
}

// TestWriteWithABadRecordTouchesNothing: a record that does not parse
// stops the write before anything under the folder changes, the leftovers
// of an interrupted run included.
func TestWriteWithABadRecordTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files("dev/a/x.yaml", "x"), nil); err != nil {
		t.Fatal(err)
	}
	tmp := "dev/a/" + tempPrefix + "123"
	if err := os.WriteFile(filepath.Join(dir, tmp), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, RecordName), []byte("nonsense line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, files("dev/a/x.yaml", "x2"), nil); err == nil {
		t.Fatal("a write over a record that does not parse succeeded")
	}
	if !exists(dir, tmp) || read(t, dir, "dev/a/x.yaml") != "x" || read(t, dir, RecordName) != "nonsense line\n" {
		t.Errorf("the failed write changed the folder: temp there %v, x.yaml %q, record %q",
			exists(dir, tmp), read(t, dir, "dev/a/x.yaml"), read(t, dir, RecordName))
	}
}

func TestWriteCleansTempsThroughoutTheTree(t *testing.T) {
	dir := t.TempDir()
	tree := files("dev/a/x.yaml", "x", "prod/b/y.yaml", "y", "prod/c/z.yaml", "z")
	if _, err := Write(dir, tree, nil); err != nil {
		t.Fatal(err)
	}
	// What interrupted runs leave: a record's temp at the top, a file's
	// temp in a folder, a new folder half written beside the others.
	temps := []string{tempPrefix + "1", "prod/c/" + tempPrefix + "2", "prod/" + tempPrefix + "d/w.yaml"}
	for _, p := range temps {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Not the writer's: a hidden file, and a symlink that has its prefix.
	if err := os.WriteFile(filepath.Join(dir, "prod/b/.notes"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("y.yaml", filepath.Join(dir, "prod/b/"+tempPrefix+"link")); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, tree, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(temps, "prod/"+tempPrefix+"d") {
		if exists(dir, p) {
			t.Errorf("leftover %s not removed", p)
		}
	}
	for _, p := range []string{"prod/b/.notes", "prod/b/" + tempPrefix + "link", "prod/c/z.yaml"} {
		if !exists(dir, p) {
			t.Errorf("%s was removed", p)
		}
	}
}

// TestCheck, with the compiled bytes (read and compared, without lstat or
// hash) and without them (hashed): the same differences, a symlink among
// them whatever its target holds.
func TestCheck(t *testing.T) {
	for _, withBytes := range []bool{false, true} {
		bytesOf := func(tr Tree) map[string][]byte {
			if withBytes {
				return tr.Files
			}
			return nil
		}
		dir := t.TempDir()
		want := files("dev/a/w.yaml", "w", "dev/a/x.yaml", "x", "dev/a/y.yaml", "y", "dev/a/z.yaml", "z")
		if _, err := Write(dir, want, nil); err != nil {
			t.Fatal(err)
		}
		if diffs, err := Check(dir, want.Digest(), nil, nil, bytesOf(want)); err != nil || len(diffs) != 0 {
			t.Fatalf("fresh tree: %+v, %v", diffs, err)
		}
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(os.WriteFile(filepath.Join(dir, "dev/a/x.yaml"), []byte("edited"), 0o644))
		must(os.Remove(filepath.Join(dir, "dev/a/y.yaml")))
		must(os.WriteFile(filepath.Join(dir, "dev/a/stray.yaml"), []byte("s"), 0o644))
		target := filepath.Join(t.TempDir(), "w.yaml")
		must(os.WriteFile(target, []byte("w"), 0o644))
		must(os.Remove(filepath.Join(dir, "dev/a/w.yaml")))
		must(os.Symlink(target, filepath.Join(dir, "dev/a/w.yaml")))
		changed := files("dev/a/w.yaml", "w", "dev/a/x.yaml", "x", "dev/a/y.yaml", "y", "dev/a/z.yaml", "z2")
		diffs, err := Check(dir, changed.Digest(), nil, nil, bytesOf(changed))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, d := range diffs {
			got[d.Path] = string(d.State) + ": " + d.Reason
		}
		wantDiffs := map[string]string{
			"dev/a/w.yaml":     "stale: dev/a/w.yaml is a symlink",
			"dev/a/x.yaml":     "stale: edited by hand",
			"dev/a/y.yaml":     "missing",
			"dev/a/z.yaml":     "stale: differs from what apps/ compiles to",
			"dev/a/stray.yaml": "unexpected: stray file",
		}
		if len(got) != len(wantDiffs) {
			t.Errorf("with bytes %v: got %v", withBytes, got)
		}
		for p, w := range wantDiffs {
			if !strings.HasPrefix(got[p], w) {
				t.Errorf("with bytes %v: %s: got %q, want %q...", withBytes, p, got[p], w)
			}
		}
	}
}

// TestCheckRefusesACorruptRecord: Check reads the record while it
// compares the files, and a record that does not parse is its error, as
// for a write, with or without differences to word.
func TestCheckRefusesACorruptRecord(t *testing.T) {
	dir := t.TempDir()
	want := files("dev/a/x.yaml", "x", "dev/a/y.yaml", "y")
	if _, err := Write(dir, want, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, RecordName), []byte("nonsense line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []Tree{want, files("dev/a/x.yaml", "x2", "dev/a/y.yaml", "y")} {
		diffs, err := Check(dir, d.Digest(), nil, nil, d.Files)
		if err == nil || !strings.Contains(err.Error(), "unknown line") {
			t.Errorf("a corrupt record: %+v, %v; want the record's error", diffs, err)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	rec := Record{
		Envs:  map[string]map[string]string{"prod": {"kubernetes": "1.36.3", "istio": "1.32.0"}, "dev": {"kubernetes": "1.37.2"}},
		Files: map[string]Sum{"prod/a/x.yaml": Hash([]byte("x")), "dev/a/x.yaml": Hash([]byte("y"))},
	}
	b := rec.Marshal()
	back, err := ParseRecord("r", b)
	if err != nil {
		t.Fatal(err)
	}
	if string(back.Marshal()) != string(b) {
		t.Errorf("round trip changed the record:\n%s\n---\n%s", b, back.Marshal())
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !strings.HasPrefix(lines[2], "env dev ") || !strings.HasPrefix(lines[3], "env prod istio=1.32.0 kubernetes=1.36.3") || !strings.HasSuffix(lines[4], " dev/a/x.yaml") {
		t.Errorf("record not sorted:\n%s", b)
	}
}

func TestParseRecordRejectsEscapes(t *testing.T) {
	for _, bad := range []string{
		"file " + Hash(nil).String() + " ../etc/passwd\n",
		"file " + Hash(nil).String() + " /etc/passwd\n",
		"file " + Hash(nil).String() + " dev/../../x\n",
		"file abc dev/a.yaml\n",
		"file " + strings.Repeat("zz", 32) + " dev/a.yaml\n", // not hex
		"bogus line\n",
		"env dev kubernetes\n",
	} {
		if _, err := ParseRecord("r", []byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// An interrupted run may leave the record owning a path it never wrote:
// the next run drops it from the record instead of refusing it.
func TestOwnedButMissingIsNotAConflict(t *testing.T) {
	dir := t.TempDir()
	rec := Record{Envs: map[string]map[string]string{}, Files: map[string]Sum{"dev/a/never-written.yaml": Hash([]byte("x"))}}
	if err := writeAtomic(dir, RecordName, rec.Marshal(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, files("dev/a/x.yaml", "x"), nil); err != nil {
		t.Fatalf("a missing owned file stopped the write: %v", err)
	}
	got, _ := ReadRecord(dir)
	if _, ok := got.Files["dev/a/never-written.yaml"]; ok || len(got.Files) != 1 {
		t.Errorf("record %v", got.Files)
	}
}

// settled runs f as if it ran an hour from now: every fingerprint it takes
// is of files that last changed long before, and is trusted.
func settled(f func()) {
	now = func() time.Time { return time.Now().Add(time.Hour) }
	defer func() { now = time.Now }()
	f()
}

func TestKnownTrustsFingerprintsOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files("dev/a/x.yaml", "x1"), nil); err != nil {
		t.Fatal(err)
	}
	s, err := lstat(filepath.Join(dir, "dev/a/x.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Known claims other content for the file as it is: a check that
	// trusts the fingerprint does not read the file, and agrees.
	k := NewKnown()
	settled(func() { k.remember("dev/a/x.yaml", s, Hash([]byte("y1"))) })
	if diffs, err := Check(dir, files("dev/a/x.yaml", "y1").Digest(), nil, k, nil); err != nil || len(diffs) != 0 {
		t.Fatalf("fingerprint not trusted: %v %v", diffs, err)
	}
	// Any write moves the change time: the file is read again.
	if err := os.WriteFile(filepath.Join(dir, "dev/a/x.yaml"), []byte("x2"), 0o644); err != nil {
		t.Fatal(err)
	}
	diffs, err := Check(dir, files("dev/a/x.yaml", "y1").Digest(), nil, k, nil)
	if err != nil || len(diffs) != 1 || diffs[0].Reason != "edited by hand since manifold wrote it" {
		t.Fatalf("edit not seen: %v %v", diffs, err)
	}
}

// TestKnownDoesNotTrustRacyFingerprints: a fingerprint taken within the
// racy window of the file's change is kept, through a save, but the file
// is read again, as an edit in the same clock tick would not show in it.
func TestKnownDoesNotTrustRacyFingerprints(t *testing.T) {
	dir := t.TempDir()
	k := NewKnown()
	if _, err := (Writer{Known: k}).Write(dir, files("dev/a/x.yaml", "x1"), nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "known")
	if err := k.Save(file); err != nil {
		t.Fatal(err)
	}
	got := LoadKnown(file)
	e := got.files["dev/a/x.yaml"]
	if !e.Racy || e.Sum != Hash([]byte("x1")) || e.FP.Size != 2 {
		t.Fatalf("just written, remembered as %+v", e)
	}
	// The entry claims other content: a racy one is not believed.
	e.Sum = Hash([]byte("y1"))
	got.files["dev/a/x.yaml"] = e
	diffs, err := Check(dir, files("dev/a/x.yaml", "y1").Digest(), nil, got, nil)
	if err != nil || len(diffs) != 1 {
		t.Fatalf("a racy fingerprint was trusted: %v %v", diffs, err)
	}
	// Read again, an hour later, it is settled: remembered as trusted.
	settled(func() { _, err = Check(dir, files("dev/a/x.yaml", "x1").Digest(), nil, got, nil) })
	if e := got.files["dev/a/x.yaml"]; err != nil || e.Racy || e.Sum != Hash([]byte("x1")) {
		t.Errorf("read again: %+v (%v)", e, err)
	}
	if err := os.WriteFile(file, []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := LoadKnown(file); len(got.files) != 0 {
		t.Errorf("a corrupt file loads as %v", got.files)
	}
}

func TestCurrent(t *testing.T) {
	want := files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1")
	cases := []struct {
		name  string
		setup func(dir string) error
		scope Scope
		want  bool
	}{
		{"as written", func(string) error { return nil }, nil, true},
		{"edited", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dev/a/x.yaml"), []byte("x2"), 0o644)
		}, nil, false},
		{"missing", func(dir string) error { return os.Remove(filepath.Join(dir, "dev/a/x.yaml")) }, nil, false},
		{"stray file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dev/a/z.yaml"), []byte("z"), 0o644)
		}, nil, false},
		{"owned leftover", func(dir string) error {
			_, err := Write(dir, files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1", "dev/c/z.yaml", "z1"), nil)
			return err
		}, nil, false},
		{"owned leftover out of scope", func(dir string) error {
			_, err := Write(dir, files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1", "dev/c/z.yaml", "z1"), nil)
			return err
		}, Scope{"dev/a/", "dev/b/"}, true},
		{"other pins", func(dir string) error {
			other := files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1")
			other.Envs["dev"] = map[string]string{"kubernetes": "1.36.3"}
			_, err := Write(dir, other, nil)
			return err
		}, nil, false},
		{"not owned", func(dir string) error { return os.Remove(filepath.Join(dir, RecordName)) }, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Write(dir, want, nil); err != nil {
				t.Fatal(err)
			}
			if err := c.setup(dir); err != nil {
				t.Fatal(err)
			}
			d := want.Digest()
			got, err := Current(dir, d, c.scope, NewKnown(), "")
			if err != nil || got != c.want {
				t.Fatalf("Current = %v, %v; want %v", got, err, c.want)
			}
			// Current means a Write changes nothing.
			res, err := Write(dir, want, c.scope)
			if got && (err != nil || len(res.Written)+len(res.Removed) != 0) {
				t.Errorf("current, but Write changed %+v (%v)", res, err)
			}
		})
	}
}

func TestKnownEncoding(t *testing.T) {
	files := map[string]seen{
		"dev/a/x.yaml":  {mark: mark{FP: Fingerprint{Size: 2, ModTime: 1e18, ChangeTime: 1e18 + 1, Inode: 7, Device: 2049}}, Sum: Hash([]byte("x1")), Stamped: true},
		"prod/b/y.yaml": {mark: mark{FP: Fingerprint{Size: 1 << 40, ModTime: -1, Inode: 1<<64 - 1}, Racy: true}, Sum: Hash([]byte("y1"))},
	}
	st := &stamp{Key: "k", Roots: []string{"dev/", "prod/"}, Record: mark{FP: Fingerprint{Size: 9}, Racy: true}, RecordSum: sha256.Sum256([]byte("r")), Dirs: map[string]mark{"dev": {FP: Fingerprint{Inode: 3}}, "dev/a": {FP: Fingerprint{Inode: 4}, Racy: true}}}
	for _, st := range []*stamp{nil, st} {
		b := encodeKnown(files, st)
		got, gotStamp, ok := decodeKnown(b)
		if !ok || !maps.Equal(got, files) || (st == nil) != (gotStamp == nil) {
			t.Fatalf("round trip: %v %v %+v", ok, got, gotStamp)
		}
		if st != nil && (gotStamp.Key != "k" || !slices.Equal(gotStamp.Roots, st.Roots) || gotStamp.Record != st.Record || gotStamp.RecordSum != st.RecordSum || !maps.Equal(gotStamp.Dirs, st.Dirs)) {
			t.Errorf("stamp %+v, want %+v", gotStamp, st)
		}
		// Every truncation or flipped byte reads as corrupt, never as a
		// panic.
		for n := range len(b) {
			if _, _, ok := decodeKnown(b[:n]); ok {
				t.Errorf("truncated at %d reads", n)
			}
			c := bytes.Clone(b)
			c[n] ^= 0xff
			decodeKnown(c)
		}
	}
}

func FuzzDecodeKnown(f *testing.F) {
	f.Add(encodeKnown(map[string]seen{"dev/a/x.yaml": {Sum: Hash(nil)}}, nil))
	f.Add(encodeKnown(map[string]seen{"dev/a/x.yaml": {Sum: Hash(nil)}}, &stamp{Key: "k", Roots: []string{"dev/"}, Dirs: map[string]mark{"dev": {}}}))
	f.Add([]byte(knownHeader + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if files, st, ok := decodeKnown(b); ok {
			again, st2, ok := decodeKnown(encodeKnown(files, st))
			if !ok || !maps.Equal(again, files) || (st == nil) != (st2 == nil) {
				t.Errorf("re-encoding %v gives %v", files, again)
			}
		}
	})
}

func TestUnchangedSeesEveryChange(t *testing.T) {
	want := files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1")
	cases := []struct {
		name   string
		change func(dir string) error
	}{
		{"nothing", func(string) error { return nil }},
		{"a file edited", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dev/a/x.yaml"), []byte("x2"), 0o644)
		}},
		{"a file removed", func(dir string) error { return os.Remove(filepath.Join(dir, "dev/a/x.yaml")) }},
		{"a stray file", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dev/a/z.yaml"), []byte("z"), 0o644)
		}},
		{"a stray folder", func(dir string) error { return os.MkdirAll(filepath.Join(dir, "dev/c/d"), 0o755) }},
		{"the record rewritten", func(dir string) error {
			b, err := os.ReadFile(filepath.Join(dir, RecordName))
			if err != nil {
				return err
			}
			return WriteAtomic(filepath.Join(dir, RecordName), b)
		}},
		{"a folder swapped for a symlink", func(dir string) error {
			if err := os.Rename(filepath.Join(dir, "dev/b"), filepath.Join(dir, "elsewhere")); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "dev/b"))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Write(dir, want, nil); err != nil {
				t.Fatal(err)
			}
			k := NewKnown()
			if k.Unchanged(dir, "key") {
				t.Fatal("unchanged with no stamp")
			}
			if cur, err := Current(dir, want.Digest(), nil, k, "key"); !cur || err != nil {
				t.Fatalf("not current: %v", err)
			}
			if !k.Unchanged(dir, "key") || k.Unchanged(dir, "other key") {
				t.Fatal("the stamp does not hold for its key alone")
			}
			if err := c.change(dir); err != nil {
				t.Fatal(err)
			}
			if got, wantSame := k.Unchanged(dir, "key"), c.name == "nothing"; got != wantSame {
				t.Errorf("Unchanged = %v after %s", got, c.name)
			}
		})
	}
}

// TestRacyStampIsCheckedByListing: a stamp taken just after its folders
// changed is saved, and a later run lists those folders, since an entry
// added in the same clock tick would not move their times; once settled,
// their fingerprints alone are trusted.
func TestRacyStampIsCheckedByListing(t *testing.T) {
	dir := t.TempDir()
	want := files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1")
	if _, err := Write(dir, want, nil); err != nil {
		t.Fatal(err)
	}
	k := NewKnown()
	if cur, err := Current(dir, want.Digest(), nil, k, "key"); !cur || err != nil {
		t.Fatalf("not current: %v", err)
	}
	file := filepath.Join(t.TempDir(), "known")
	if err := k.Save(file); err != nil {
		t.Fatal(err)
	}
	loaded := LoadKnown(file)
	if st := loaded.stamp; st == nil || !st.Dirs["dev/a"].Racy || !st.Record.Racy {
		t.Fatalf("the stamp of folders just changed: %+v", st)
	}
	// What the listing would see if y.yaml had appeared in the same tick
	// as the stamp: the stamp does not hold it.
	unstamp := func(k *Known) {
		e := k.files["dev/a/y.yaml"]
		e.Stamped = false
		k.files["dev/a/y.yaml"] = e
	}
	racy := LoadKnown(file)
	unstamp(racy)
	if racy.Unchanged(dir, "key") {
		t.Error("a racy folder was trusted without listing it")
	}
	if !loaded.Unchanged(dir, "key") {
		t.Fatal("a racy stamp that holds was not trusted")
	}
	// Settled, the listing is not needed: the fingerprint is trusted,
	// which is what lets Unchanged list no folder.
	var ok bool
	settled(func() { ok = loaded.Unchanged(dir, "key") })
	if !ok || loaded.stamp.Dirs["dev/a"].Racy || loaded.stamp.Record.Racy {
		t.Fatalf("not settled: %v %+v", ok, loaded.stamp)
	}
	unstamp(loaded)
	if !loaded.Unchanged(dir, "key") {
		t.Error("a settled folder was listed")
	}
}

// TestWriteStampsTheWholeTree: a write of the whole tree leaves a stamp
// under its Key that holds until the tree changes; a write within a scope
// leaves none.
func TestWriteStampsTheWholeTree(t *testing.T) {
	dir := t.TempDir()
	k := NewKnown()
	tr := files("dev/a/x.yaml", "x1", "dev/b/y.yaml", "y1")
	if _, err := (Writer{Known: k, Key: "one"}).Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	if !k.Unchanged(dir, "one") || k.Unchanged(dir, "two") {
		t.Fatal("the written tree is not stamped under its key alone")
	}
	if cur, err := Current(dir, tr.Digest(), nil, NewKnown(), ""); !cur || err != nil {
		t.Fatalf("stamped, but not current: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev/b/z.yaml"), []byte("z"), 0o644); err != nil {
		t.Fatal(err)
	}
	if k.Unchanged(dir, "one") {
		t.Error("a stray file did not break the stamp")
	}
	// A stray file under the roots: the write leaves no stamp.
	if _, err := (Writer{Known: k, Key: "two"}).Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	if k.stamp != nil {
		t.Errorf("a tree with a stray file was stamped: %+v", k.stamp)
	}
	if err := os.Remove(filepath.Join(dir, "dev/b/z.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := (Writer{Known: k, Key: "three"}).Write(dir, tr, nil); err != nil || !k.Unchanged(dir, "three") {
		t.Fatalf("not stamped again: %v", err)
	}
	if _, err := (Writer{Known: k, Key: "four"}).Write(dir, files("dev/a/x.yaml", "x2"), Scope{"dev/a/"}); err != nil {
		t.Fatal(err)
	}
	if k.stamp != nil {
		t.Error("a write within a scope kept a stamp")
	}
}

// TestStampHoldsAcrossWrites: each write of a series plans from the stamp
// the one before left, which holds every file of the tree.
func TestStampHoldsAcrossWrites(t *testing.T) {
	dir := t.TempDir()
	k := NewKnown()
	trees := []Tree{
		files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1"),
		files("dev/a/x.yaml", "x2", "dev/a/y.yaml", "y1"),                       // a file changed
		files("dev/a/x.yaml", "x3", "dev/a/y.yaml", "y1", "dev/b/z.yaml", "z1"), // and one added
		files("dev/a/x.yaml", "x3", "dev/b/z.yaml", "z2"),                       // and one removed
		files("dev/a/x.yaml", "x4", "dev/b/z.yaml", "z2"),
	}
	for i, tr := range trees {
		if i > 0 {
			ck := &checker{dir: dir, dirs: map[string]error{}, known: k}
			if pl, err := (Writer{Known: k}).planKnown(ck, tr.Digest(), sortedFiles(tr.Digest().Files), nil); pl == nil || err != nil {
				t.Fatalf("write %d: not planned from the stamp (%v)", i, err)
			}
		}
		key := fmt.Sprint("k", i)
		if _, err := (Writer{Known: k, Key: key}).Write(dir, tr, nil); err != nil {
			t.Fatal(err)
		}
		for p := range tr.Files {
			if !k.files[p].Stamped {
				t.Errorf("write %d: %s is not in the stamp", i, p)
			}
		}
		if !k.Unchanged(dir, key) {
			t.Errorf("write %d: the stamp does not hold", i)
		}
	}
}

// TestWriteTrustsOnlyAStampThatHolds: the write plans from the stamp, and
// lists no folder, only while the record and every folder are as the stamp
// says; any change to them sends it back to checking every path.
func TestWriteTrustsOnlyAStampThatHolds(t *testing.T) {
	tr := files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1", "dev/b/z.yaml", "z1")
	next := files("dev/a/x.yaml", "x2", "dev/a/y.yaml", "y1", "dev/c/w.yaml", "w1")
	for _, c := range disturbances {
		for _, settle := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/settled=%v", c.name, settle), func(t *testing.T) {
				dir := t.TempDir()
				k := NewKnown()
				write := func() {
					if _, err := (Writer{Known: k, Key: "k"}).Write(dir, tr, nil); err != nil {
						t.Fatal(err)
					}
				}
				if settle {
					settled(write)
				} else {
					write()
				}
				if err := c.change(dir); err != nil {
					t.Fatal(err)
				}
				d := next.Digest()
				ck := &checker{dir: dir, dirs: map[string]error{}, known: k}
				var pl *plan
				var err error
				plan := func() { pl, err = (Writer{Known: k}).planKnown(ck, d, sortedFiles(d.Files), nil) }
				if settle {
					settled(plan)
				} else {
					plan()
				}
				if err != nil {
					t.Fatal(err)
				}
				if trusted := pl != nil; trusted != c.trusted {
					t.Fatalf("planned from the stamp: %v, want %v", trusted, c.trusted)
				}
				writes, unchanged := []string{"dev/a/x.yaml", "dev/c/w.yaml"}, 1
				if c.name == "an unchanged file edited" {
					writes, unchanged = []string{"dev/a/x.yaml", "dev/a/y.yaml", "dev/c/w.yaml"}, 0
				}
				if pl != nil && (!slices.Equal(pl.write, writes) || !slices.Equal(pl.remove, []string{"dev/b/z.yaml"}) || pl.unchanged != unchanged) {
					t.Errorf("plan: write %v, remove %v, %d unchanged", pl.write, pl.remove, pl.unchanged)
				}
			})
		}
	}
}

// disturbances are changes made to a written tree between two writes, and
// whether the tree's stamp still holds after each.
var disturbances = []struct {
	name    string
	change  func(dir string) error
	trusted bool
}{
	{"nothing", func(string) error { return nil }, true},
	{"a file edited", func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "dev/a/x.yaml"), []byte("hand"), 0o644)
	}, true},
	{"an unchanged file edited", func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "dev/a/y.yaml"), []byte("hand"), 0o644)
	}, true},
	{"a file at the top", func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "README.md"), []byte("notes"), 0o644)
	}, true},
	{"a temp file at the top", func(dir string) error {
		return os.WriteFile(filepath.Join(dir, tempPrefix+"x"), []byte("half"), 0o644)
	}, true},
	{"a stray file", func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "dev/a/s.yaml"), []byte("s"), 0o644)
	}, false},
	{"a stray file where a file goes", func(dir string) error {
		return os.MkdirAll(filepath.Join(dir, "dev/c"), 0o755)
	}, false},
	{"a temp file", func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "dev/a", tempPrefix+"x"), []byte("half"), 0o644)
	}, false},
	{"an owned file removed", func(dir string) error { return os.Remove(filepath.Join(dir, "dev/a/y.yaml")) }, false},
	{"a folder for a symlink", func(dir string) error {
		if err := os.Rename(filepath.Join(dir, "dev/b"), filepath.Join(dir, "moved")); err != nil {
			return err
		}
		return os.Symlink(filepath.Join(dir, "moved"), filepath.Join(dir, "dev/b"))
	}, false},
	{"a file for a symlink", func(dir string) error {
		p := filepath.Join(dir, "dev/a/x.yaml")
		if err := os.Remove(p); err != nil {
			return err
		}
		return os.Symlink(filepath.Join(dir, "dev/a/y.yaml"), p)
	}, false},
	{"the record edited", func(dir string) error {
		f, err := os.OpenFile(filepath.Join(dir, RecordName), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString("file " + Hash([]byte("s")).String() + " dev/a/s.yaml\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, false},
	{"the record removed", func(dir string) error { return os.Remove(filepath.Join(dir, RecordName)) }, false},
}

// TestStampedWriteDoesWhatACheckedOneDoes: after any disturbance, a write
// that may trust the stamp leaves the tree, the record and its result as a
// write that checks every path does, and its stamp holds exactly when the
// tree is current.
func TestStampedWriteDoesWhatACheckedOneDoes(t *testing.T) {
	tr := files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1", "dev/b/z.yaml", "z1")
	next := files("dev/a/x.yaml", "x2", "dev/a/y.yaml", "y1", "dev/c/w.yaml", "w1", "dev/c/d/v.yaml", "v1")
	snapshot := func(t *testing.T, dir string) map[string]string {
		t.Helper()
		out := map[string]string{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dir {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				out[rel] = "-> " + filepath.Base(target)
				return err
			case d.IsDir():
				out[rel] = "dir"
			default:
				b, err := os.ReadFile(p)
				out[rel] = string(b)
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range disturbances {
		for _, settle := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/settled=%v", c.name, settle), func(t *testing.T) {
				type outcome struct {
					res   Result
					err   string
					files map[string]string
				}
				run := func(k *Known) (outcome, string) {
					dir := t.TempDir()
					first := func() {
						if _, err := (Writer{Known: k, Key: "k1"}).Write(dir, tr, nil); err != nil {
							t.Fatal(err)
						}
					}
					if settle {
						settled(first)
					} else {
						first()
					}
					if err := c.change(dir); err != nil {
						t.Fatal(err)
					}
					var o outcome
					res, err := (Writer{Known: k, Key: "k2"}).Write(dir, next, nil)
					o.res = res
					if err != nil {
						o.err = err.Error()
					}
					o.files = snapshot(t, dir)
					delete(o.files, "moved")
					return o, dir
				}
				k := NewKnown()
				got, dir := run(k)
				want, _ := run(nil)
				if got.err != want.err || !slices.Equal(got.res.Written, want.res.Written) || !slices.Equal(got.res.Removed, want.res.Removed) || got.res.Unchanged != want.res.Unchanged {
					t.Errorf("result %+v %q, checked %+v %q", got.res, got.err, want.res, want.err)
				}
				if !maps.Equal(got.files, want.files) {
					t.Errorf("tree\n%v\nchecked\n%v", got.files, want.files)
				}
				cur, err := Current(dir, next.Digest(), nil, NewKnown(), "")
				if err != nil {
					t.Fatal(err)
				}
				if stamped := k.Unchanged(dir, "k2"); stamped && !cur {
					t.Errorf("stamped a tree that is not current")
				} else if cur && !stamped && got.err == "" {
					t.Errorf("a current tree was not stamped")
				}
			})
		}
	}
}

func TestWriteWhenTheTempNameIsTaken(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.yaml")
	// Another process is writing the same file: its temp file stays.
	other, err := createTemp(name)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := writeFile(name, "x.yaml", []byte("mine"), false); err != nil {
		t.Fatal(err)
	}
	if got := read(t, dir, "x.yaml"); got != "mine" {
		t.Errorf("content %q", got)
	}
	if _, err := os.Lstat(other.Name()); err != nil {
		t.Errorf("the other temp file: %v", err)
	}
}

func TestByFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dev/old"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := &checker{dir: dir, dirs: map[string]error{}}
	// "dev/a" is split by "dev/a/b" in sorted order, and holds a folder
	// to write: it is written file by file, as is a folder that exists.
	paths := []string{"dev/a-z/x", "dev/a/a", "dev/a/b/x", "dev/a/c", "dev/new/x", "dev/new/y", "dev/old/x", "top"}
	slices.Sort(paths)
	var got []string
	for _, f := range c.byFolder(paths) {
		var files []string
		for k, i := range f.files {
			if path.Base(paths[i]) != f.names[k] {
				t.Errorf("%s: name %s for %s", f.dir, f.names[k], paths[i])
			}
			files = append(files, paths[i])
		}
		got = append(got, fmt.Sprintf("%s %v %s", f.dir, f.fresh, strings.Join(files, ",")))
	}
	want := []string{
		". false top",
		"dev/a false dev/a/a,dev/a/c",
		"dev/a-z true dev/a-z/x",
		"dev/a/b true dev/a/b/x",
		"dev/new true dev/new/x,dev/new/y",
		"dev/old false dev/old/x",
	}
	if !slices.Equal(got, want) {
		t.Errorf("folders:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestWriteNewFoldersWhole(t *testing.T) {
	dir := t.TempDir()
	tr := files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1", "dev/a/b/z.yaml", "z1", "prod/c/w.yaml", "w1")
	res, err := Write(dir, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 4 {
		t.Errorf("written %v", res.Written)
	}
	for p, want := range tr.Files {
		if got := read(t, dir, p); got != string(want) {
			t.Errorf("%s: %q", p, got)
		}
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, err %v", p, fi.Mode(), err)
		}
	}
	if leftovers := temps(t, dir); len(leftovers) > 0 {
		t.Errorf("temp names left: %v", leftovers)
	}
	// A new folder beside existing ones, and one more file in an old one.
	tr.Files["dev/d/v.yaml"] = []byte("v1")
	tr.Files["dev/a/u.yaml"] = []byte("u1")
	if res, err = Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Written, []string{"dev/a/u.yaml", "dev/d/v.yaml"}) || res.Unchanged != 4 {
		t.Errorf("written %v, %d unchanged", res.Written, res.Unchanged)
	}
	if read(t, dir, "dev/d/v.yaml") != "v1" || read(t, dir, "dev/a/u.yaml") != "u1" || len(temps(t, dir)) > 0 {
		t.Errorf("second write: temps %v", temps(t, dir))
	}
}

func TestInterruptedFolderIsNotPartOfTheTree(t *testing.T) {
	dir := t.TempDir()
	tr := files("dev/a/x.yaml", "x1")
	if _, err := Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	// A run killed while writing the new folder dev/b.
	half := filepath.Join(dir, "dev", tempPrefix+"b")
	if err := os.MkdirAll(half, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(half, "y.yaml"), []byte("y1"), 0o644); err != nil {
		t.Fatal(err)
	}
	diffs, err := Check(dir, tr.Digest(), nil, nil, nil)
	if err != nil || len(diffs) != 1 || diffs[0].Path != "dev/"+tempPrefix+"b" || diffs[0].State != Unexpected {
		t.Errorf("check: %+v %v", diffs, err)
	}
	got, err := ReadFiles(dir, []string{"dev"}, nil)
	if err != nil || len(got) != 1 || got["dev/a/x.yaml"] == nil {
		t.Errorf("read: %v %v", slices.Collect(maps.Keys(got)), err)
	}
	// The next write removes it, and writes the folder when it is compiled.
	tr.Files["dev/b/y.yaml"] = []byte("y2")
	if _, err := Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	if exists(dir, "dev/"+tempPrefix+"b") || read(t, dir, "dev/b/y.yaml") != "y2" {
		t.Errorf("temp folder kept (%v) or dev/b not written", exists(dir, "dev/"+tempPrefix+"b"))
	}
	if diffs, err := Check(dir, tr.Digest(), nil, nil, nil); err != nil || len(diffs) != 0 {
		t.Errorf("check after: %+v %v", diffs, err)
	}
}

// temps lists the temp names under dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && IsTemp(d.Name()) {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRecordWrittenOnlyWhenItChanges: a write whose record would say what
// the record on disk says leaves it alone (the same inode), even when it
// repairs a file; one that changes a file's content writes it, once.
func TestRecordWrittenOnlyWhenItChanges(t *testing.T) {
	dir := t.TempDir()
	tr := files("dev/a/x.yaml", "x", "dev/a/y.yaml", "y")
	if _, err := Write(dir, tr, nil); err != nil {
		t.Fatal(err)
	}
	inode := func() uint64 {
		t.Helper()
		fp, ok := lstatFingerprint(filepath.Join(dir, RecordName))
		if !ok {
			t.Fatal("no record")
		}
		return fp.Inode
	}
	first := inode()
	if err := os.WriteFile(filepath.Join(dir, "dev/a/x.yaml"), []byte("hand edit"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Write(dir, tr, nil)
	if err != nil || len(res.Written) != 1 || read(t, dir, "dev/a/x.yaml") != "x" {
		t.Fatalf("repair: %+v, %v", res, err)
	}
	if inode() != first {
		t.Error("a write that owns what it owned rewrote the record")
	}
	if _, err := Write(dir, files("dev/a/x.yaml", "x2", "dev/a/y.yaml", "y"), nil); err != nil {
		t.Fatal(err)
	}
	rec, err := ReadRecord(dir)
	if err != nil || rec.Files["dev/a/x.yaml"] != Hash([]byte("x2")) || inode() == first {
		t.Errorf("after a change, the record %v (%v) was not written", rec.Files, err)
	}
}

// TestEarlySurveyStampsOnlyWhatItSaw: a write given a survey taken before
// the tree changed does not see the change, as it would not see one after
// its own checks; the stamp it leaves never holds for a tree that is not
// what was compiled. Settled, a folder the write does not touch keeps the
// mark the survey saw: one taken again would vouch for the change.
func TestEarlySurveyStampsOnlyWhatItSaw(t *testing.T) {
	tr := files("dev/a/x.yaml", "x1", "dev/a/y.yaml", "y1", "dev/b/z.yaml", "z1", "dev/d/u.yaml", "u1")
	next := files("dev/a/x.yaml", "x2", "dev/a/y.yaml", "y1", "dev/c/w.yaml", "w1", "dev/d/u.yaml", "u1")
	untouched := []struct {
		name   string
		change func(dir string) error
	}{
		{"a stray file where nothing is written", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dev/d/s.yaml"), []byte("s"), 0o644)
		}},
		{"a temp file where nothing is written", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "dev/d", tempPrefix+"x"), []byte("half"), 0o644)
		}},
	}
	type change struct {
		name   string
		change func(dir string) error
		settle bool
	}
	var changes []change
	for _, c := range disturbances {
		changes = append(changes, change{c.name, c.change, false})
	}
	for _, c := range untouched {
		changes = append(changes, change{c.name, c.change, false}, change{c.name, c.change, true})
	}
	for _, c := range changes {
		t.Run(fmt.Sprintf("%s/settled=%v", c.name, c.settle), func(t *testing.T) {
			dir := t.TempDir()
			k := NewKnown()
			if _, err := (Writer{Known: k, Key: "k1"}).Write(dir, tr, nil); err != nil {
				t.Fatal(err)
			}
			sv := k.Survey(dir)
			if sv == nil || !sv.ok {
				t.Fatal("no survey of a stamped tree")
			}
			if err := c.change(dir); err != nil {
				t.Fatal(err)
			}
			var err error
			var holds bool
			second := func() {
				if _, err = (Writer{Known: k, Key: "k2", Survey: sv}).Write(dir, next, nil); err == nil {
					holds = k.Unchanged(dir, "k2")
				}
			}
			if c.settle {
				settled(second)
			} else {
				second()
			}
			var conflict *ConflictError
			if err != nil && !errors.As(err, &conflict) {
				t.Fatal(err)
			}
			cur, cerr := Current(dir, next.Digest(), nil, NewKnown(), "")
			if cerr != nil {
				t.Fatal(cerr)
			}
			if holds && !cur {
				t.Error("the stamp holds for a tree that is not current")
			}
			if c.name == "nothing" && !cur {
				t.Error("nothing changed, and the tree is not current")
			}
		})
	}
}

// TestSortedPaths: the paths sorted folder by folder are the paths sorted,
// with folders whose names sort apart from their slash ("a-b" before "a").
func TestSortedPaths(t *testing.T) {
	for _, paths := range [][]string{
		{"a/x", "a-b/x", "a/b/c", "ab/x", "a.b/y", "a/a", "dev/z", "a0/q", "/x"},
		{"a/x", "a.b/y", "a", "b"}, // files at the top
	} {
		files := map[string]int{}
		for _, p := range paths {
			files[p] = 0
		}
		want := slices.Sorted(maps.Keys(files))
		if got := sortedPaths(files); !slices.Equal(got, want) {
			t.Errorf("sortedPaths = %v, want %v", got, want)
		}
	}
}

// TestRelTo: a walk's names relative to the folder walked, as filepath.Rel
// gives them, whatever form the folder is named in.
func TestRelTo(t *testing.T) {
	abs, err := filepath.Abs("out")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dir, name string }{
		{".", "dev/a/x.yaml"},
		{"out", "out/dev/a/x.yaml"},
		{"./out/", "out/dev/a/x.yaml"},
		{"out", "out"},
		{abs, filepath.Join(abs, "dev", "x.yaml")},
		{"out", "other/dev/x.yaml"},
		{"a/../out", "out/dev/x.yaml"},
	} {
		want, werr := filepath.Rel(c.dir, c.name)
		want = filepath.ToSlash(want)
		got, err := relTo(c.dir)(c.name)
		if got != want || (err != nil) != (werr != nil) {
			t.Errorf("relTo(%q)(%q) = %q, %v; filepath.Rel says %q, %v", c.dir, c.name, got, err, want, werr)
		}
	}
}
