// Package version holds manifold's version, printed by -version and
// recorded in machine-readable reports.
package version

// Version is the release of manifold.
const Version = "0.1.0-dev"
