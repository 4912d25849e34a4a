package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/report"
)

func TestCIDecisions(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		env      []string
		wantKind report.CIKind
		colour   string // what --color auto becomes
		status   bool   // a live status line on a terminal
	}{
		{"auto", nil, report.CINone, "auto", true},
		{"auto", []string{"CI=true"}, report.CIPlain, "never", false},
		{"auto", []string{"CI=true", "GITHUB_ACTIONS=true"}, report.CIGitHub, "never", false},
		{"auto", []string{"GITLAB_CI=true"}, report.CIGitLab, "never", false},
		{"none", []string{"CI=true"}, report.CINone, "auto", true},
		{"github", nil, report.CIGitHub, "never", false},
		{"auto", []string{"TERM=dumb"}, report.CINone, "auto", false},
	} {
		opts := Options{Mode: event.Gather, CI: tc.ci, Env: tc.env, Color: "auto", Progress: true}
		o := &outputs{opts: opts, ci: ciKind(opts)}
		if o.ci != tc.wantKind {
			t.Errorf("%s %v: CI %s, want %s", tc.ci, tc.env, o.ci, tc.wantKind)
		}
		colour := "auto"
		if !o.colour() {
			colour = "never"
		}
		if colour != tc.colour {
			t.Errorf("%s %v: --color auto is %s, want %s", tc.ci, tc.env, colour, tc.colour)
		}
		if got := o.wantStatusLine(Streams{OutTTY: true}); got != tc.status {
			t.Errorf("%s %v: status line %v, want %v", tc.ci, tc.env, got, tc.status)
		}
	}
	// --color always stays, in CI too.
	if o := (&outputs{opts: Options{Color: "always"}, ci: report.CIGitHub}); !o.colour() {
		t.Error("--color always lost its colour in CI")
	}
	// Never off a terminal, under --json, for run, or with --progress=false.
	for _, opts := range []Options{
		{Mode: event.Gather, Progress: true, JSON: true},
		{Mode: event.Run, Progress: true},
		{Mode: event.Gather},
	} {
		o := &outputs{opts: opts, ci: report.CINone}
		if o.wantStatusLine(Streams{OutTTY: true}) {
			t.Errorf("%+v: a status line", opts)
		}
	}
	if (&outputs{opts: Options{Mode: event.Gather, Progress: true}, ci: report.CINone}).wantStatusLine(Streams{}) {
		t.Error("a status line off a terminal")
	}
}

// Reports and logs are written on every path, and a report that cannot be
// written makes a successful run exit 1, after saying so once.
func TestRunOutputs(t *testing.T) {
	path := writeJobs(t, "jobs:\n  a: echo a\n  b: echo oops >&2\n")
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	opts := Options{Mode: event.Gather, File: path, Color: "auto", Env: []string{"PATH=" + os.Getenv("PATH")},
		JUnit: filepath.Join(dir, "r.xml"), Trace: filepath.Join(dir, "t.json"), Timeline: filepath.Join(dir, "t.svg"),
		LogDir: filepath.Join(dir, "logs"), Timings: true}
	if err := Run(context.Background(), Streams{Out: &out, Err: &errOut}, opts); err != nil {
		t.Fatalf("Run: %v\n%s", err, errOut.String())
	}
	for _, name := range []string{"r.xml", "t.json", "t.svg", "logs/a.stdout", "logs/b.stderr", "logs/joblog.tsv"} {
		if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(errOut.String(), "\ntotal  2 jobs") {
		t.Errorf("no timings on stderr:\n%s", errOut.String())
	}
	if out.String() != "a: started\nb: started\na: finished\nb: finished\nResult: ['a', '']\n" &&
		out.String() != "a: started\nb: started\nb: finished\na: finished\nResult: ['a', '']\n" {
		t.Errorf("stdout changed:\n%s", out.String())
	}

	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	errOut.Reset()
	opts = Options{Mode: event.Gather, File: path, Color: "auto", Env: opts.Env, JUnit: "/dev/full"}
	err := Run(context.Background(), Streams{Out: &bytes.Buffer{}, Err: &errOut}, opts)
	var status *ExitStatus
	if !errors.As(err, &status) || status.Code != 1 || status.Err != nil {
		t.Fatalf("err = %#v, want exit status 1, already said", err)
	}
	if got := errOut.String(); !strings.HasSuffix(got, "aiorun: --junit: write /dev/full: no space left on device\n") {
		t.Errorf("stderr: %q", got)
	}

	// A report path that cannot be opened is a usage error: nothing runs.
	opts = Options{Mode: event.Gather, File: path, Color: "auto", Env: opts.Env, Trace: filepath.Join(dir, "no", "t.json")}
	var usage *UsageError
	if err := Run(context.Background(), Streams{Out: &out, Err: &errOut}, opts); !errors.As(err, &usage) ||
		!strings.HasPrefix(usage.Msg, "--trace: open ") {
		t.Errorf("err = %v, want a usage error naming --trace", err)
	}
}
