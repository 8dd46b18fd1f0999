// Package workers runs the iterations of a loop on a few goroutines.
package workers

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Each calls f(0..n-1) on as many goroutines as cores, each taking the
// next index as it is free, and returns when every call has.
func Each(n int, f func(i int)) { EachOn(runtime.GOMAXPROCS(0), n, f) }

// EachOn is Each on the given number of goroutines: more than cores for
// calls that wait on the kernel.
func EachOn(goroutines, n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, goroutines) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// EachCtx is Each, with the calls not yet made when ctx is cancelled
// skipped; it returns the context's error then.
func EachCtx(ctx context.Context, n int, f func(i int)) error {
	Each(n, func(i int) {
		if ctx.Err() == nil {
			f(i)
		}
	})
	return ctx.Err()
}
