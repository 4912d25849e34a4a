package app

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/aiorun/aiorun/internal/exception"
)

// List prints the jobs of the file in declaration order: name (in an
// aligned column), command (its first line, marked when there are more),
// and notes on what it awaits, its timeout, retries and shield.
func List(s Streams, file string) error {
	f, err := LoadFile(file, s.In)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	for _, j := range f.Jobs {
		cmd := strings.TrimRight(j.Run, "\n")
		if first, _, multi := strings.Cut(cmd, "\n"); multi {
			cmd = first + " …"
		}
		var notes []string
		if len(j.Needs) > 0 {
			notes = append(notes, "needs: "+strings.Join(j.Needs, ", "))
		}
		if j.Timeout > 0 {
			notes = append(notes, "timeout: "+exception.FormatDuration(j.Timeout))
		}
		if j.Retries > 0 {
			notes = append(notes, fmt.Sprintf("retries: %d", j.Retries))
		}
		if j.Shield {
			notes = append(notes, "shield")
		}
		if j.Host != "" {
			notes = append(notes, "host: "+j.Host)
		}
		line := j.Name + "\t" + cmd
		if len(notes) > 0 {
			line += "  (" + strings.Join(notes, "; ") + ")"
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// Validate checks the file and says so on standard output.
func Validate(s Streams, file string) error {
	f, err := LoadFile(file, s.In)
	if err != nil {
		return err
	}
	n := len(f.Jobs)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	_, err = fmt.Fprintf(s.Out, "%s: ok (%d job%s)\n", f.Path, n, plural)
	return err
}
