package report

import (
	"io"
	"strconv"
	"strings"
)

// WriteTimings writes the --timings table: one row per job, in the order
// the mode reports jobs (see Recorder.Run), with its status, how long it
// took from its first start to its end, its process's exit status ("-"
// when aiorun stopped it or it never ran), and its attempts when a job was
// retried; then the wall time of the run. It is written in one Write.
//
//	job    status                 duration  exit
//	a      finished                  2.00s  0
//	b      failed: exit status 3     1.00s  3
//	total  2 jobs                    2.01s
func WriteTimings(w io.Writer, run *Run) error {
	retried := false
	for _, j := range run.Jobs {
		retried = retried || len(j.Attempts) > 1
	}
	head := []string{"job", "status", "duration", "exit"}
	if retried {
		head = append(head, "attempts")
	}
	rows := [][]string{head}
	for _, j := range run.Jobs {
		dur := "-"
		if len(j.Attempts) > 0 {
			dur = fmtSeconds(j.Duration)
		}
		r := []string{j.Name, StatusText(j.Err), dur, ExitText(j.Err)}
		if retried {
			r = append(r, strconv.Itoa(len(j.Attempts)))
		}
		rows = append(rows, r)
	}
	c := run.Count()
	rows = append(rows, []string{"total", strconv.Itoa(c.Total) + " job" + plural(c.Total), fmtSeconds(run.Wall())})
	widths := make([]int, len(head))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-len(cell))
			if i == 2 { // durations align right
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
