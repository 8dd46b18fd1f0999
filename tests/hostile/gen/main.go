// Command gen writes the large cases of the hostile-input corpus into -out.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/manifold-dev/manifold/tests/hostile"
)

func main() {
	out := flag.String("out", "", "the `dir` to write the cases into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if err := hostile.Generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
}
