//go:build dragonfly || freebsd || linux || netbsd || openbsd

package peakrss

// maxrssPerMB is ru_maxrss's units in a MB: these systems count kilobytes.
const maxrssPerMB = 1 << 10
