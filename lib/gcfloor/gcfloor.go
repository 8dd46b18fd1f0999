// Package gcfloor puts a floor under the garbage collector's heap target
// for the length of a batch job: the heap may grow to the floor before a
// collection, and past it as GOGC says once the live heap is large enough.
//
// A compile allocates a gigabyte for 1,000 apps while its live heap grows
// from a few megabytes to a quarter of that. At a fixed GOGC the collector
// runs a dozen times on the way; with a floor, a few times, for the same
// peak. The Go compiler raises its starting heap the same way
// (cmd/compile/internal/base.AdjustStartingHeap), by setting GOGC after
// each collection from the runtime's metrics; but a GOGC set so leaves the
// heap unbounded until the next adjustment runs (the Go compiler saw 50%
// past its goal). Here GOGC is off and a memory limit alone sets the
// target, raised after each collection to the floor or to what GOGC would
// allow, the larger: an adjustment that runs late makes the collector run
// early, never the heap overgrow.
package gcfloor

import (
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Floor is the floor manifold's commands run with. A compile of 1,000
// apps allocates about 1.3 GB while its live heap stays under 0.25 GB: at
// GOGC=200 alone the collector ran 11 times, with a floor a few times, for
// 14% less time (tests/bench/README.md). The compile and cmd/lint also
// collect at the end of each environment (Collect), when little is live,
// so the floor need only hold what one environment allocates, some
// 0.6 GB at 1,000 apps: with it there is no collection amid an
// environment, nor during the write after the last. The heap then peaks
// at what one environment allocates, not at the floor: 0.73 GB. Measured
// at 1,000 apps, with the collections at the ends of the environments,
// against 768 MB: 512 MB ×1.17 and 640 MB ×1.22 of the time (collections
// amid an environment), 832 MB ×0.983, 896 MB ×0.973. Past the floor,
// GOGC rules; a lower budget (Start) lowers it.
const Floor = 896 << 20

// system is the file system Start reads the memory budget from.
var system fs.FS = os.DirFS("/")

var state struct {
	sync.Mutex
	users   int    // Starts not yet stopped
	gogc    int    // GOGC before the first of them
	limit   int64  // the memory limit before the first of them
	floor   uint64 // the first Start's settings, which the others share
	percent int
	cycle   int    // tells a running tuner from a stopped one's
	allocs  uint64 // the bytes allocated when Collect last asked, or Start
}

// Start lets the heap grow to floor bytes before the collector runs, and
// past it as GOGC=percent allows once the live heap is large enough, and
// returns the function that restores the settings from before. Starts may
// overlap (tests run commands side by side): the first one's settings hold
// until the last one stops.
//
// The floor is at most half the memory the process may have: the
// machine's, or its cgroup's limit when lower (a CI job in a container).
//
// When GOGC or GOMEMLIMIT is set in the environment, Start changes nothing:
// the user chose the collector's setting.
func Start(floor uint64, percent int) (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	state.Lock()
	defer state.Unlock()
	state.users++
	if state.users == 1 {
		if budget := Budget(system); budget > 0 {
			floor = min(floor, budget/2)
		}
		state.floor, state.percent = floor, percent
		state.allocs, _, _, _ = heapNow()
		state.cycle++
		// The limit alone sets the target: the floor, or GOGC=percent's.
		state.gogc = debug.SetGCPercent(-1)
		state.limit = debug.SetMemoryLimit(-1)
		tune(state.cycle)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			state.Lock()
			defer state.Unlock()
			state.users--
			if state.users == 0 {
				state.cycle++ // the tuner stops at its next collection
				debug.SetGCPercent(state.gogc)
				debug.SetMemoryLimit(state.limit)
			}
		})
	}
}

// Collect starts a collection in the background, for a batch job at the
// end of a phase whose values are all garbage now (a compile's
// environment), and reports whether it did. It does when a Start is in
// effect and the next phase, if it allocates as much as the one that just
// ended (since the last Collect, or Start), would not fit below the
// collector's target: one would run amid it. Collected now, the heap holds
// only what the job keeps, so the collection marks little, and the next
// phase reuses the memory instead of faulting in fresh pages: at 1,000
// apps a compile ran 6% faster with 60 MB less peak memory
// (tests/bench/README.md). A job whose phases fit twice over (100 apps)
// is not collected for nothing. Under the user's GOGC or GOMEMLIMIT,
// Collect leaves the collector be.
func Collect() bool {
	state.Lock()
	defer state.Unlock()
	if state.users == 0 {
		return false
	}
	allocs, heap, goal, ok := heapNow()
	if !ok {
		return false
	}
	phase := allocs - state.allocs
	state.allocs = allocs
	if heap+phase < goal {
		return false
	}
	go runtime.GC()
	return true
}

// heapNow returns the bytes allocated so far, the heap's objects now
// (live and not yet swept), and the collector's target; ok is false on a
// runtime without these metrics.
func heapNow() (allocs, heap, goal uint64, ok bool) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != metrics.KindUint64 {
			return 0, 0, 0, false
		}
	}
	return s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64(), true
}

// tune sets the memory limit from the last collection, and runs again
// after the next one while cycle is the current one. state is locked.
func tune(cycle int) {
	live, roots := lastGC()
	debug.SetMemoryLimit(int64(min(Limit(state.floor, state.percent, live, roots), math.MaxInt64)))
	afterGC(func() {
		state.Lock()
		defer state.Unlock()
		if state.cycle == cycle {
			tune(cycle)
		}
	})
}

// Limit is the memory limit that keeps the target at floor, or at
// GOGC=percent's when that is larger, after a collection that found live
// bytes of heap live (0 before the first) and roots bytes of stacks and
// globals to scan. GOGC's target is live + (live+roots)×percent/100, of
// the heap alone; the limit counts all the runtime's memory, so it gets a
// tenth more.
func Limit(floor uint64, percent int, live, roots uint64) uint64 {
	target := live + (live+roots)*uint64(percent)/100
	return max(floor, target+target/10)
}

// lastGC is what the last collection found: the heap it marked live, and
// the stacks and globals it scanned; zero before the first.
func lastGC() (live, roots uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}
	metrics.Read(s)
	var v [3]uint64
	for i := range s {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0, 0 // a runtime without these: the floor alone
		}
		v[i] = s[i].Value.Uint64()
	}
	return v[0], v[1] + v[2]
}

// afterGC calls fn after the next collection: a finalizer runs once the
// collection has found its object unreachable.
func afterGC(fn func()) {
	type sentinel [32]byte // large enough for the runtime not to batch it with others
	runtime.SetFinalizer(new(sentinel), func(*sentinel) { fn() })
}

// Budget is the memory a process of the system rooted at root may have,
// in bytes: the machine's (MemTotal in /proc/meminfo), or the tightest
// memory limit of the process's cgroup and its ancestors when lower
// (memory.max in cgroup v2, memory.limit_in_bytes in v1); 0 when none can
// be read.
func Budget(root fs.FS) uint64 {
	budget := memTotal(root)
	tighter := func(limit uint64) {
		if limit > 0 && (budget == 0 || limit < budget) {
			budget = limit
		}
	}
	cgroups, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return budget
	}
	for line := range strings.Lines(string(cgroups)) {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "/") {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			tighter(cgroupLimit(root, "sys/fs/cgroup", parts[2], "memory.max"))
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			tighter(cgroupLimit(root, "sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
		}
	}
	return budget
}

// cgroupLimit is the tightest of the file name's limits in the cgroup at
// path under mount and in its ancestors; 0 when none is set.
func cgroupLimit(root fs.FS, mount, cgroup, name string) uint64 {
	var limit uint64
	for p := path.Clean(cgroup); ; p = path.Dir(p) {
		b, err := fs.ReadFile(root, path.Join(mount, p, name))
		if err == nil {
			// "max" (v2) or a number near 2^63 (v1) means none.
			if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n < 1<<62 && (limit == 0 || n < limit) {
				limit = n
			}
		}
		if p == "/" {
			return limit
		}
	}
}

// memTotal is the machine's memory from /proc/meminfo; 0 when unknown.
func memTotal(root fs.FS) uint64 {
	b, err := fs.ReadFile(root, "proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest) // "24684084 kB"
			if len(f) == 2 && f[1] == "kB" {
				if n, err := strconv.ParseUint(f[0], 10, 64); err == nil {
					return n << 10
				}
			}
		}
	}
	return 0
}
