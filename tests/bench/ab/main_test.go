package main

import (
	"slices"
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

func TestOrderStartsEachRoundOneBuildOn(t *testing.T) {
	for round, want := range [][]int{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 1, 2}} {
		if got := order(round, 3); !slices.Equal(got, want) {
			t.Errorf("round %d: %v, want %v", round, got, want)
		}
	}
}

func TestCompare(t *testing.T) {
	s := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	// The machine's speed drifts from round to round; the new build takes
	// 0.9 or 0.8 of the old one's time in the same round, its CPU always the same.
	var old, faster []run
	for i, f := range []float64{1, 2, 1.5, 3, 1, 2} {
		old = append(old, run{wall: s(f), cpu: s(2 * f)})
		k := 0.9
		if i%2 == 1 {
			k = 0.8
		}
		faster = append(faster, run{wall: s(k * f), cpu: s(2 * f)})
	}
	// The ratio is exp(mean(log 0.9, log 0.8)) = sqrt(0.72) = 0.849; the
	// logarithms' standard deviation is log(0.9/0.8)/2 * sqrt(6/5) = 0.0645,
	// its standard error 0.0263, and t(0.975, 5 degrees) = 2.571: the
	// interval is exp(-0.1643 ± 0.0677), and t = 6.24 has p = 0.0016.
	want := "new / old  wall ×0.849 [0.793, 0.908] p=0.0016  cpu ×1.000 [1.000, 1.000] p=1  (6 rounds)"
	if got := compare("new", "old", faster, old); got != want {
		t.Errorf("compare:\n got %s\nwant %s", got, want)
	}
	if got := compare("new", "old", faster[:1], old[:1]); got != "new / old  wall ×0.900 [0.000, +Inf] p=?  cpu ×1.000 [0.000, +Inf] p=?  (1 rounds)" {
		t.Errorf("one round: %s", got)
	}
}
