// Command ab compares builds of the bench command on a noisy machine: it
// runs each build in turn, -n rounds, with the same arguments, so that
// every build sees the same minutes of the machine, and prints per build
// the sorted wall times, CPU times (user + system) and peak RSS, with the
// median wall time. Each round starts one build further on (a, b; then b,
// a), so that no build always runs first. A fresh -fresh folder, when
// given, is removed before every run (a fresh tree each time).
//
// Each build after the first is then compared with the first, round by
// round: the geometric mean of its wall (and CPU) time over the first's
// in the same round, with a 95% confidence interval and the p-value of a
// paired t-test on the logarithms of those ratios. Pairing the runs of a
// round cancels what the machine does over minutes (this VM's speed
// drifts by a quarter within an hour), so a difference of a few percent
// shows with some tens of rounds where the medians alone do not.
//
//	go build -o /tmp/old ./tests/bench   # at the commit before
//	go build -o /tmp/new ./tests/bench
//	go run ./tests/bench/ab -n 6 /tmp/old /tmp/new -- -apps 1000 -out /tmp/empty -cache=false -check
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/aclements/go-moremath/stats"

	"github.com/manifold-dev/manifold/tests/bench/peakrss"
)

// run is what one run of a build cost.
type run struct {
	wall, cpu time.Duration
	rssMB     int64
}

func main() {
	n := flag.Int("n", 5, "the number of `rounds`")
	fresh := flag.String("fresh", "", "a `dir` removed before every run")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: ab [-n rounds] [-fresh dir] build... -- args...")
		flag.PrintDefaults()
	}
	flag.Parse()
	builds, args := flag.Args(), []string(nil)
	if i := slices.Index(builds, "--"); i >= 0 {
		builds, args = builds[:i], builds[i+1:]
	}
	if len(builds) == 0 || *n < 1 {
		flag.Usage()
		os.Exit(2)
	}
	runs := make([][]run, len(builds))
	for round := range *n {
		for _, b := range order(round, len(builds)) {
			build := builds[b]
			if *fresh != "" {
				if err := os.RemoveAll(*fresh); err != nil {
					fmt.Fprintln(os.Stderr, "ab:", err)
					os.Exit(2)
				}
			}
			r, err := measure(build, args)
			if err != nil {
				fmt.Fprintln(os.Stderr, "ab:", build, err)
				os.Exit(2)
			}
			runs[b] = append(runs[b], r)
		}
	}
	for b, build := range builds {
		fmt.Println(report(build, runs[b]))
	}
	for b := 1; b < len(builds); b++ {
		fmt.Println(compare(builds[b], builds[0], runs[b], runs[0]))
	}
}

// order is the order in which round runs the builds: each round starts one
// build further on.
func order(round, builds int) []int {
	o := make([]int, builds)
	for i := range o {
		o[i] = (round + i) % builds
	}
	return o
}

// measure runs build with args once. An exit status of 1 is a result (a
// -check of a tree that is not current), not a failure.
func measure(build string, args []string) (run, error) {
	cmd := exec.Command(build, args...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return run{}, err
	}
	rss, ok := peakrss.Of(cmd.ProcessState)
	if !ok {
		rss = -1
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return run{wall: wall, cpu: cpu, rssMB: rss}, nil
}

// compare is the line that compares build's runs with base's, run in the
// same rounds: the geometric mean of the ratio of their wall times, then
// of their CPU times, round by round.
func compare(build, base string, runs, baseRuns []run) string {
	wall := func(r run) float64 { return r.wall.Seconds() }
	cpu := func(r run) float64 { return r.cpu.Seconds() }
	return fmt.Sprintf("%s / %s  wall %s  cpu %s  (%d rounds)", build, base, ratio(runs, baseRuns, wall), ratio(runs, baseRuns, cpu), len(runs))
}

// ratio is the geometric mean of of(runs[i]) / of(baseRuns[i]) over the
// rounds, with its 95% confidence interval (Student's t on the logarithms;
// unbounded for one round) and a t-test's p-value for a ratio other than 1.
func ratio(runs, baseRuns []run, of func(run) float64) string {
	logs := make([]float64, len(runs))
	for i := range runs {
		logs[i] = math.Log(of(runs[i]) / of(baseRuns[i]))
	}
	mean, lo, hi := stats.MeanCI(logs, 0.95)
	var p string
	switch t, err := stats.OneSampleTTest(stats.Sample{Xs: logs}, 0, stats.LocationDiffers); {
	case len(logs) < 2:
		p = "p=?"
	case err == nil:
		p = fmt.Sprintf("p=%.2g", t.P)
	case mean == 0:
		p = "p=1" // the same time every round
	default: // the same ratio every round
		p = "p=0"
	}
	return fmt.Sprintf("×%.3f [%.3f, %.3f] %s", math.Exp(mean), math.Exp(lo), math.Exp(hi), p)
}

// report is one build's line: its runs' sorted walls, CPU times and peak
// RSS, and the median wall.
func report(build string, runs []run) string {
	slices.SortFunc(runs, func(a, b run) int { return int(a.wall - b.wall) })
	var walls, cpus, rss []string
	for _, r := range runs {
		walls = append(walls, fmt.Sprintf("%.2f", r.wall.Seconds()))
		cpus = append(cpus, fmt.Sprintf("%.2f", r.cpu.Seconds()))
		if r.rssMB < 0 {
			rss = append(rss, "?")
		} else {
			rss = append(rss, fmt.Sprint(r.rssMB))
		}
	}
	median := runs[len(runs)/2].wall
	if len(runs)%2 == 0 {
		median = (runs[len(runs)/2-1].wall + runs[len(runs)/2].wall) / 2
	}
	return fmt.Sprintf("%s  wall %s s (median %.2f)  cpu %s s  peak RSS %s MB",
		build, strings.Join(walls, " "), median.Seconds(), strings.Join(cpus, " "), strings.Join(rss, " "))
}
