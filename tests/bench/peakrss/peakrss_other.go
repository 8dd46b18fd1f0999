//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package peakrss

import "os"

const supported = false

func self() (int64, bool) { return 0, false }

func of(*os.ProcessState) (int64, bool) { return 0, false }
