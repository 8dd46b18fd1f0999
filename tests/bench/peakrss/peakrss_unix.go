//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package peakrss

import (
	"os"
	"syscall"
)

// supported says that this system reports a peak RSS.
const supported = true

func self() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return megabytes(&ru), true
}

func of(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return megabytes(ru), true
}

// megabytes is ru's peak RSS in MB.
func megabytes(ru *syscall.Rusage) int64 { return int64(ru.Maxrss) / maxrssPerMB }
