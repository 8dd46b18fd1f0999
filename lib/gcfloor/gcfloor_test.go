package gcfloor

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"testing/fstest"
	"time"
)

func TestLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		floor, live, roots uint64
		percent            int
		want               uint64
	}{
		{800 * mib, 0, 0, 200, 800 * mib},                 // before the first collection
		{800 * mib, 8 * mib, 1 * mib, 200, 800 * mib},     // a small heap: the floor
		{800 * mib, 200 * mib, 0, 200, 800 * mib},         // 3 × 200 MiB, and a tenth, is under it
		{800 * mib, 300 * mib, 0, 200, 990 * mib},         // 3 × 300 MiB, and a tenth
		{800 * mib, 300 * mib, 50 * mib, 200, 1100 * mib}, // 300 + 2 × 350 MiB, and a tenth
		{800 * mib, 500 * mib, 0, 100, 1100 * mib},        // Go's default: 2 × 500 MiB, and a tenth
		{0, 1000 * mib, 0, 200, 3300 * mib},               // no floor: GOGC=200's target
	} {
		if got := Limit(tc.floor, tc.percent, tc.live, tc.roots); got != tc.want {
			t.Errorf("Limit(%d MiB, %d, %d MiB, %d MiB) = %d MiB, want %d MiB", tc.floor/mib, tc.percent, tc.live/mib, tc.roots/mib, got/mib, tc.want/mib)
		}
	}
}

// read returns the collector's current GOGC (as the runtime reports it:
// 100 unless set) and heap target, and the memory limit.
func read() (gogc, goal uint64, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64(), debug.SetMemoryLimit(-1)
}

// collectUntil runs collections, letting the finalizers run between them,
// until cond holds or many collections have passed; it reports whether
// cond held.
func collectUntil(cond func() bool) bool {
	for range 200 {
		if cond() {
			return true
		}
		collect(1)
	}
	return cond()
}

// collect runs n collections, letting the finalizers run after each.
func collect(n int) {
	for range n {
		runtime.GC()
		time.Sleep(time.Millisecond) // the finalizer goroutine's turn
	}
}

var kept [][]byte // a live heap for the tests

// keep makes n MiB of live heap until the test ends.
func keep(t *testing.T, n int) {
	kept = make([][]byte, n)
	for i := range kept {
		kept[i] = make([]byte, 1<<20)
	}
	t.Cleanup(func() { kept = nil })
}

// defaults sets GOGC=100 and no memory limit, with neither variable set,
// and a system whose memory is unknown (the floor as given), until the
// test ends.
func defaults(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	gogc, limit, sys := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64), system
	system = fstest.MapFS{}
	t.Cleanup(func() { debug.SetGCPercent(gogc); debug.SetMemoryLimit(limit); system = sys })
}

func TestStartRaisesTheTargetToTheFloorAndStopRestoresIt(t *testing.T) {
	defaults(t)
	keep(t, 16)
	const floor = 256 << 20
	stop := Start(floor, 100)
	if !collectUntil(func() bool { _, goal, limit := read(); return goal >= floor*9/10 && limit == floor }) {
		_, goal, limit := read()
		t.Fatalf("with a floor of 256 MiB and 16 MiB live, the target is %d MiB and the limit %d MiB", goal>>20, limit>>20)
	}
	stop()
	stop() // a second call changes nothing
	if !collectUntil(func() bool {
		gogc, goal, limit := read()
		return gogc == 100 && goal < floor/2 && limit == math.MaxInt64
	}) {
		gogc, goal, limit := read()
		t.Fatalf("after stop, GOGC is %d, the target %d MiB, the limit %d; want 100, about 32 MiB and none", gogc, goal>>20, limit)
	}
	// The tuner is gone: more collections leave the settings alone.
	collect(5)
	if gogc, _, limit := read(); gogc != 100 || limit != math.MaxInt64 {
		t.Errorf("collections after stop set GOGC to %d and the limit to %d", gogc, limit)
	}
}

func TestTheLimitFollowsALiveHeapPastTheFloor(t *testing.T) {
	defaults(t)
	keep(t, 32)
	// 32 MiB live at GOGC=100 is a 64 MiB target, past a floor of 8 MiB:
	// the limit follows it instead of making the collector run all the
	// time.
	stop := Start(8<<20, 100)
	defer stop()
	if !collectUntil(func() bool { _, _, limit := read(); return limit >= 64<<20 }) {
		_, goal, limit := read()
		t.Fatalf("with 32 MiB live, the limit is %d MiB and the target %d MiB; want GOGC=100's 64 MiB and more", limit>>20, goal>>20)
	}
	if _, _, limit := read(); limit > 100<<20 {
		t.Errorf("with 32 MiB live, the limit is %d MiB; want about 64 MiB and a tenth", limit>>20)
	}
}

func TestOverlappingStartsRestoreOnceTheLastStops(t *testing.T) {
	defaults(t)
	stopA := Start(256<<20, 150)
	stopB := Start(64<<20, 300) // shares A's settings
	stopA()
	if _, _, limit := read(); limit != 256<<20 {
		t.Errorf("after the first stop the limit is %d, want A's floor while B runs", limit)
	}
	stopB()
	if gogc, _, limit := read(); gogc != 100 || limit != math.MaxInt64 {
		t.Errorf("after both stopped GOGC is %d and the limit %d, want the 100 and none from before", gogc, limit)
	}
}

// TestCollectCollectsWhenThePhaseWouldNotFitAgain: under a Start, Collect
// starts a collection when what was allocated since the last one would not
// fit again below the target, and not otherwise; with no Start, or under
// the user's GOGC, it leaves the collector alone.
func TestCollectCollectsWhenThePhaseWouldNotFitAgain(t *testing.T) {
	defaults(t)
	if Collect() {
		t.Fatal("Collect collected with no Start in effect")
	}
	cycles := func() uint32 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.NumGC
	}
	func() {
		stop := Start(256<<20, 200)
		defer stop()
		if Collect() {
			t.Error("Collect collected after a phase that allocated next to nothing")
		}
		// A phase of 160 MiB of garbage: twice that is past the target.
		for range 160 {
			garbage = make([]byte, 1<<20)
		}
		before := cycles()
		if !Collect() {
			_, heap, goal, _ := heapNow()
			t.Fatalf("Collect did not collect after a phase of 160 MiB (heap %d MiB, target %d MiB)", heap>>20, goal>>20)
		}
		for deadline := time.Now().Add(10 * time.Second); cycles() == before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("Collect said it collected, and no collection ran in 10 s")
			}
		}
	}()
	if Collect() {
		t.Error("Collect collected after the Start stopped")
	}
	t.Setenv("GOGC", "50")
	defer Start(256<<20, 200)()
	for range 160 {
		garbage = make([]byte, 1<<20)
	}
	if Collect() {
		t.Error("Collect collected under the user's GOGC")
	}
}

// garbage is where the tests make it: a global, so the compiler keeps the
// allocations.
var garbage []byte

func TestTheUsersSettingStands(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			defaults(t)
			t.Setenv(env, map[string]string{"GOGC": "50", "GOMEMLIMIT": "2GiB"}[env])
			stop := Start(256<<20, 200)
			defer stop()
			collect(1)
			if gogc, _, limit := read(); gogc != 100 || limit != math.MaxInt64 {
				t.Errorf("with %s set, Start set GOGC to %d and the limit to %d", env, gogc, limit)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	const gib = 1 << 30
	meminfo := &fstest.MapFile{Data: []byte("MemTotal:       24684084 kB\nMemFree:        1 kB\n")}
	machine := uint64(24684084) << 10
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name string
		fs   fstest.MapFS
		want uint64
	}{
		{"nothing readable", fstest.MapFS{}, 0},
		{"the machine only", fstest.MapFS{"proc/meminfo": meminfo}, machine},
		{"a v2 container", fstest.MapFS{
			"proc/meminfo": meminfo, "proc/self/cgroup": file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("536870912\n"),
		}, 512 << 20},
		{"a v2 cgroup under a limited parent", fstest.MapFS{
			"proc/meminfo": meminfo, "proc/self/cgroup": file("0::/ci/job\n"),
			"sys/fs/cgroup/ci/job/memory.max": file("max\n"),
			"sys/fs/cgroup/ci/memory.max":     file("1073741824\n"),
		}, gib},
		{"a v2 limit above the machine's memory", fstest.MapFS{
			"proc/meminfo": meminfo, "proc/self/cgroup": file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("107374182400\n"),
		}, machine},
		{"v1 without a limit", fstest.MapFS{
			"proc/meminfo": meminfo, "proc/self/cgroup": file("5:devices:/\n4:memory:/process_api/x\n0::/\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":               file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/process_api/x/memory.limit_in_bytes": file("9223372036854771712\n"),
		}, machine},
		{"v1 with a limit on the parent", fstest.MapFS{
			"proc/meminfo": meminfo, "proc/self/cgroup": file("4:cpuacct,memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/docker/memory.limit_in_bytes":     file("2147483648\n"),
		}, 2 * gib},
		{"garbage", fstest.MapFS{"proc/meminfo": file("MemTotal: lots\n"), "proc/self/cgroup": file("0::/\nnot a line\n"), "sys/fs/cgroup/memory.max": file("-1\n")}, 0},
	} {
		if got := Budget(tc.fs); got != tc.want {
			t.Errorf("%s: Budget = %d, want %d", tc.name, got, tc.want)
		}
	}
	if runtime.GOOS == "linux" && Budget(system) == 0 {
		t.Error("this machine's budget reads as unknown")
	}
}

func TestTheFloorIsHalfASmallBudget(t *testing.T) {
	defaults(t)
	system = fstest.MapFS{
		"proc/self/cgroup":         &fstest.MapFile{Data: []byte("0::/\n")},
		"sys/fs/cgroup/memory.max": &fstest.MapFile{Data: []byte("536870912\n")},
	}
	stop := Start(768<<20, 200)
	defer stop()
	if _, _, limit := read(); limit != 256<<20 {
		t.Errorf("in a 512 MiB container the limit is %d MiB, want a floor of 256 MiB", limit>>20)
	}
}
