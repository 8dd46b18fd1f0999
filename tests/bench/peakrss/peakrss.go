// Package peakrss reports a process's peak resident set size, where the
// system tells it: the benchmark harness prints its own, and tests/bench/ab
// each run's.
package peakrss

import "os"

// Self returns the calling process's peak resident set size in MB, and
// whether the system reports it.
func Self() (mb int64, ok bool) { return self() }

// Of returns the peak resident set size in MB of the exited process ps
// describes, and whether the system reports it.
func Of(ps *os.ProcessState) (mb int64, ok bool) { return of(ps) }
