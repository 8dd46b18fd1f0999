package peakrss

// maxrssPerMB is ru_maxrss's units in a MB: macOS counts bytes.
const maxrssPerMB = 1 << 20
