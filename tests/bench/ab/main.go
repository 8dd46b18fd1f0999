// Command ab compares builds of the bench command on a noisy machine: it
// runs each build in turn, -n rounds, with the same arguments, so that
// every build sees the same minutes of the machine, and prints per build
// the sorted wall times, CPU times (user + system) and peak RSS, with the
// median wall time. A fresh -fresh folder, when given, is removed before
// every run (a fresh tree each time).
//
//	go build -o /tmp/old ./tests/bench   # at the commit before
//	go build -o /tmp/new ./tests/bench
//	go run ./tests/bench/ab -n 6 /tmp/old /tmp/new -- -apps 1000 -out /tmp/empty -cache=false -check
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

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
	for range *n {
		for b, build := range builds {
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
