package workers

import (
	"context"
	"sync/atomic"
	"testing"
)

func TestEachCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		for _, g := range []int{1, 3, 64} {
			calls := make([]atomic.Int32, n)
			EachOn(g, n, func(i int) { calls[i].Add(1) })
			for i := range calls {
				if c := calls[i].Load(); c != 1 {
					t.Fatalf("n=%d goroutines=%d: index %d called %d times", n, g, i, c)
				}
			}
		}
	}
}

func TestEachCtxStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	err := EachCtx(ctx, 1000, func(i int) {
		if calls.Add(1) == 10 {
			cancel()
		}
	})
	if err == nil || calls.Load() >= 1000 {
		t.Errorf("err %v after %d calls", err, calls.Load())
	}
	if err := EachCtx(context.Background(), 5, func(int) {}); err != nil {
		t.Error(err)
	}
}
