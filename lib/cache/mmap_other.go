//go:build !unix

package cache

import "os"

// readShared returns the content of the file name.
func readShared(name string) ([]byte, error) { return os.ReadFile(name) }
