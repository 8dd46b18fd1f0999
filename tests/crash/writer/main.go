// Command writer writes one of two versions of a large synthetic tree with
// the compiler's writer (lib/tree), so that the crash test can kill it in
// the middle of a write.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/manifold-dev/manifold/tests/crash"
)

func main() {
	out := flag.String("out", "", "the tree's `dir`")
	version := flag.String("version", "a", "which tree to write: a or b")
	n := flag.Int("n", 1500, "the number of files of version a")
	known := flag.String("known", "", "the `file` of what earlier runs learned of the tree, as the compile command keeps it")
	flag.Parse()
	t := crash.Tree(*version, *n)
	res, err := crash.Write(*out, t, *known, *version)
	if err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(1)
	}
	fmt.Printf("%d written, %d removed\n", len(res.Written), len(res.Removed))
}
