package main

import (
	"testing"
	"time"
)

func TestReport(t *testing.T) {
	runs := []run{{3 * time.Second, 5 * time.Second, 700}, {time.Second, 2 * time.Second, 600}, {2 * time.Second, 4 * time.Second, 650}, {4 * time.Second, 6 * time.Second, 800}}
	want := "b  wall 1.00 2.00 3.00 4.00 s (median 2.50)  cpu 2.00 4.00 5.00 6.00 s  peak RSS 600 650 700 800 MB"
	if got := report("b", runs); got != want {
		t.Errorf("report:\n got %s\nwant %s", got, want)
	}
	if got := report("b", runs[:3]); got != "b  wall 1.00 2.00 3.00 s (median 2.00)  cpu 2.00 4.00 5.00 s  peak RSS 600 650 700 MB" {
		t.Errorf("odd report: %s", got)
	}
	unknown := []run{{time.Second, 2 * time.Second, -1}}
	if got := report("b", unknown); got != "b  wall 1.00 s (median 1.00)  cpu 2.00 s  peak RSS ? MB" {
		t.Errorf("a run whose peak RSS the system does not report: %s", got)
	}
}

func TestMeasureTakesExitOneAsAResult(t *testing.T) {
	if _, err := measure("/bin/sh", []string{"-c", "exit 1"}); err != nil {
		t.Errorf("exit 1: %v", err)
	}
	if _, err := measure("/bin/sh", []string{"-c", "exit 2"}); err == nil {
		t.Error("exit 2 taken as a result")
	}
}
