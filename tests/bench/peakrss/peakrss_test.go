package peakrss

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// TestSelf holds the report to the memory the test holds: a 64 MB buffer
// touched page by page is resident, so the peak is at least that; and
// under 16 GB, where bytes read as kilobytes would put it (64 GB).
func TestSelf(t *testing.T) {
	if !supported {
		t.Skip("this system reports no peak RSS")
	}
	b := resident64MB()
	mb, ok := Self()
	runtime.KeepAlive(b)
	if !ok {
		t.Fatal("no peak RSS")
	}
	if mb < 64 || mb > 16<<10 {
		t.Fatalf("peak RSS %d MB, want at least the 64 MB touched and not bytes counted as kilobytes", mb)
	}
}

// TestOf runs the test binary again, as a child that holds 64 MB.
func TestOf(t *testing.T) {
	if os.Getenv("PEAKRSS_CHILD") != "" {
		runtime.KeepAlive(resident64MB())
		return
	}
	if !supported {
		t.Skip("this system reports no peak RSS")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOf$")
	cmd.Env = append(os.Environ(), "PEAKRSS_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	mb, ok := Of(cmd.ProcessState)
	if !ok {
		t.Fatal("no peak RSS")
	}
	if mb < 64 || mb > 16<<10 {
		t.Fatalf("child's peak RSS %d MB, want at least the 64 MB it touched", mb)
	}
}

// resident64MB returns 64 MB touched page by page, so resident.
func resident64MB() []byte {
	b := make([]byte, 64<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	return b
}
