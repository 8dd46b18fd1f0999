// Package hostile generates the large cases of the hostile-input corpus at
// test time (they are not committed): a 10,000-level nesting, a 100 MB
// file, a 1 MB single line, 10,000 documents in one file, and 10,000 with a
// finding each (a position for each, from one parse of the file). The small
// cases live in corpus/.
package hostile

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Large describes each generated case: its file name and what lint must
// say of it.
var Large = []struct {
	Name, Want string
}{
	{"nesting.yaml", "nested deeper than 256 levels"},
	{"huge.yaml", "more than the 4 MiB a manifest may have"},
	{"long-line.yaml", `unknown field "extra"`},
	{"many-documents.yaml", `unknown field "dta"`},
	{"many-findings.yaml", `unknown field "dta"`},
}

// Generate writes the large cases into dir.
func Generate(dir string) error {
	write := func(name string, fill func(w *bufio.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if err := fill(w); err != nil {
			f.Close()
			return err
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return firstErr(
		write("nesting.yaml", func(w *bufio.Writer) error {
			_, err := fmt.Fprintf(w, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: %s%s\n", strings.Repeat("[", 10000), strings.Repeat("]", 10000))
			return err
		}),
		write("huge.yaml", func(w *bufio.Writer) error {
			line := "  k" + strings.Repeat("x", 90) + ": v\n"
			if _, err := w.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n"); err != nil {
				return err
			}
			for i := 0; i < 100<<20/len(line); i++ {
				if _, err := fmt.Fprintf(w, "  k%09d%s", i, line[12:]); err != nil {
					return err
				}
			}
			return nil
		}),
		write("long-line.yaml", func(w *bufio.Writer) error {
			_, err := fmt.Fprintf(w, `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "long"}, "data": {"blob": "%s"}, "extra": 1}`+"\n", strings.Repeat("a", 1<<20))
			return err
		}),
		write("many-documents.yaml", func(w *bufio.Writer) error {
			for i := 0; i < 9999; i++ {
				if _, err := fmt.Fprintf(w, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: shop\ndata:\n  n: %q\n", i, fmt.Sprint(i)); err != nil {
					return err
				}
			}
			_, err := fmt.Fprint(w, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: last\n  namespace: shop\ndta:\n  n: last\n")
			return err
		}),
		write("many-findings.yaml", func(w *bufio.Writer) error {
			for i := 0; i < 10000; i++ {
				if _, err := fmt.Fprintf(w, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: shop\ndta:\n  n: %q\n", i, fmt.Sprint(i)); err != nil {
					return err
				}
			}
			return nil
		}),
	)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
