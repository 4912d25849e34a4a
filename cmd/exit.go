package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/guard"
	"github.com/aiorun/aiorun/internal/jobfile"
)

// Main runs aiorun on the process's arguments and streams and returns its
// exit status. It is the one place where errors become exit statuses and
// are printed, once.
func Main() int {
	s := app.Streams{
		In:     os.Stdin,
		Out:    os.Stdout,
		Err:    os.Stderr,
		OutTTY: isatty.IsTerminal(os.Stdout.Fd()),
		ErrTTY: isatty.IsTerminal(os.Stderr.Fd()),
	}
	root := NewRootCmd(s)
	root.SetArgs(os.Args[1:])
	return exitCode(s.Err, root.ExecuteContext(context.Background()))
}

// exitCode prints err and maps it to an exit status (SPEC §6): 2 for the
// command line and the job file, the run's own status otherwise.
func exitCode(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var (
		status *app.ExitStatus
		file   *jobfile.Error
		usage  *app.UsageError
		nested *guard.Error
	)
	switch {
	case errors.As(err, &status):
		if status.Err != nil {
			fmt.Fprintf(w, "aiorun: %v\n", status.Err)
		}
		return status.Code
	case errors.As(err, &file):
		// FILE:LINE:COL: message, as compilers write it, so editors jump there.
		fmt.Fprintln(w, file.Error())
		return 2
	case errors.As(err, &usage), errors.As(err, &nested):
		fmt.Fprintf(w, "aiorun: %v\n", err)
		return 2
	}
	// What is left comes from cobra itself: an unknown command or a wrong
	// number of arguments.
	fmt.Fprintf(w, "aiorun: %v\nRun 'aiorun --help' for usage.\n", err)
	return 2
}

// runError keeps a command's errors typed: anything app did not classify
// is an operational failure, exit status 1.
func runError(err error) error {
	var (
		status *app.ExitStatus
		file   *jobfile.Error
		usage  *app.UsageError
		nested *guard.Error
	)
	if err == nil || errors.As(err, &status) || errors.As(err, &file) || errors.As(err, &usage) || errors.As(err, &nested) {
		return err
	}
	return &app.ExitStatus{Code: 1, Err: err}
}
