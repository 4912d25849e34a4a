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
	"github.com/aiorun/aiorun/internal/exception"
)

func writeJobs(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunWiring runs the real executor and reporter in-process, with
// buffers for streams.
func TestRunWiring(t *testing.T) {
	path := writeJobs(t, "jobs:\n  a: echo a\n  b: echo oops >&2; exit 3\n")
	var out, errOut bytes.Buffer
	err := Run(context.Background(), Streams{Out: &out, Err: &errOut},
		Options{Mode: event.Gather, File: path, ReturnExceptions: true, Color: "auto", Env: []string{"PATH=" + os.Getenv("PATH")}})
	var status *ExitStatus
	if !errors.As(err, &status) || status.Code != 1 || status.Err != nil {
		t.Fatalf("err = %#v, want exit status 1 without a message", err)
	}
	if !strings.HasSuffix(out.String(), "Result: ['a', ExitError(3)]\n") {
		t.Errorf("stdout:\n%s", out.String())
	}
	if errOut.String() != "b | oops\n" {
		t.Errorf("stderr: %q", errOut.String())
	}
}

func TestSelectJobs(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		mode event.Mode
		jobs []string
		want string // the selection joined, or the error
	}{
		{"jobs:\n  a: x\n  main: x\n", event.Run, nil, "main"},
		{"jobs:\n  only: x\n", event.Run, nil, "only"},
		{"jobs:\n  a: x\n  b: x\n", event.Run, nil, `run needs a job name: `},
		{"jobs:\n  a: x\n  b: x\n", event.Run, []string{"a", "b"}, "run takes one job"},
		{"jobs:\n  a: x\n  b: x\n", event.Gather, []string{"c"}, `unknown job "c"; the file has: a, b`},
		{"jobs:\n  a: x\n  b: x\n", event.Gather, nil, ""},
	} {
		f, err := LoadFile(writeJobs(t, tc.yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := selectJobs(f, Options{Mode: tc.mode, Jobs: tc.jobs})
		text := strings.Join(got, ",")
		if err != nil {
			var usage *UsageError
			if !errors.As(err, &usage) {
				t.Errorf("%v: not a usage error", err)
			}
			text = err.Error()
		}
		if !strings.HasPrefix(text, tc.want) || (tc.want == "" && text != "") {
			t.Errorf("%s %v: %q, want %q", tc.mode, tc.jobs, text, tc.want)
		}
	}
}

func TestUseColor(t *testing.T) {
	for _, tc := range []struct {
		mode string
		tty  bool
		env  []string
		want bool
	}{
		{"auto", true, nil, true},
		{"auto", false, nil, false},
		{"auto", true, []string{"NO_COLOR=1"}, false},
		{"auto", true, []string{"TERM=dumb"}, false},
		{"always", false, []string{"NO_COLOR=1"}, true},
		{"never", true, nil, false},
	} {
		if got := useColor(tc.mode, tc.tty, tc.env); got != tc.want {
			t.Errorf("useColor(%s, tty=%v, %v) = %v", tc.mode, tc.tty, tc.env, got)
		}
	}
}

func TestExitStatus(t *testing.T) {
	group := &exception.Group{Jobs: []string{"b"}, Errs: []exception.Exception{&exception.ExitError{Code: 3}}}
	for _, tc := range []struct {
		name    string
		mode    event.Mode
		res     event.Result
		code    int
		message string
	}{
		{"success", event.Gather, event.Result{}, 0, ""},
		{"fail-fast names the job", event.Gather, event.Result{Err: group, ExitCode: 3}, 3, "b: exit status 3"},
		{"run is transparent about its job's exit", event.Run, event.Result{Err: group, ExitCode: 3}, 3, ""},
		{"return-exceptions says nothing", event.Gather, event.Result{ExitCode: 1}, 1, ""},
		{"interrupted", event.Gather, event.Result{Err: &Interrupted{Signal: 15}, ExitCode: 143}, 143, "interrupted by SIGTERM: every job was cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := exitStatus(tc.mode, tc.res, nil)
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var status *ExitStatus
			if !errors.As(err, &status) || status.Code != tc.code {
				t.Fatalf("err = %#v, want exit status %d", err, tc.code)
			}
			if msg := ""; status.Err != nil {
				msg = status.Err.Error()
				if msg != tc.message {
					t.Errorf("message %q, want %q", msg, tc.message)
				}
			} else if tc.message != "" {
				t.Errorf("no message, want %q", tc.message)
			}
		})
	}
}
