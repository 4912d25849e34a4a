package exception

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestForms(t *testing.T) {
	for _, tc := range []struct {
		exc                 Exception
		repr, status, error string
		code                int
	}{
		{&ExitError{Code: 3}, "ExitError(3)", "failed: exit status 3", "exit status 3", 3},
		{&TimeoutError{After: time.Second}, "TimeoutError()", "timed out after 1s", "timed out after 1s", 124},
		{&TimeoutError{After: 90 * time.Second}, "TimeoutError()", "timed out after 1m30s", "timed out after 1m30s", 124},
		{&CancelledError{Reason: ReasonFailFast}, "CancelledError()", "cancelled", "cancelled", 130},
		{&CancelledError{Signal: 9}, "CancelledError()", "cancelled", "cancelled (killed by signal 9)", 137},
		{&NeedsError{Need: "b", Err: &ExitError{Code: 3}}, "ExitError(3)", "failed: needs b: failed: exit status 3", "needs b: failed: exit status 3", 3},
		{&StartError{Err: errors.New("exec: \"bsh\": not found")}, `OSError('exec: "bsh": not found')`, `failed: cannot start: exec: "bsh": not found`, `cannot start: exec: "bsh": not found`, 126},
		{&ConnectionError{Host: "h1", Msg: "it's gone"}, `ConnectionError("h1: it's gone")`, "failed: connection error: h1: it's gone", "connection error: h1: it's gone", 255},
	} {
		t.Run(fmt.Sprintf("%T", tc.exc), func(t *testing.T) {
			if got := tc.exc.Repr(); got != tc.repr {
				t.Errorf("Repr = %s, want %s", got, tc.repr)
			}
			if got := tc.exc.Status(); got != tc.status {
				t.Errorf("Status = %s, want %s", got, tc.status)
			}
			if got := tc.exc.Error(); got != tc.error {
				t.Errorf("Error = %s, want %s", got, tc.error)
			}
			if got := tc.exc.ExitCode(); got != tc.code {
				t.Errorf("ExitCode = %d, want %d", got, tc.code)
			}
		})
	}
}

func TestGroup(t *testing.T) {
	one := &Group{Jobs: []string{"b"}, Errs: []Exception{&ExitError{Code: 3}}}
	if got, want := one.Error(), "b: exit status 3"; got != want {
		t.Errorf("one: %s, want %s", got, want)
	}
	two := &Group{Jobs: []string{"b", "c"}, Errs: []Exception{&ExitError{Code: 3}, &TimeoutError{After: time.Second}}}
	if got, want := two.Error(), "2 jobs failed: b: exit status 3; c: timed out after 1s"; got != want {
		t.Errorf("two: %s, want %s", got, want)
	}
	if two.ExitCode() != 3 {
		t.Errorf("exit code %d, want the first failure's", two.ExitCode())
	}
	var timeout *TimeoutError
	if !errors.As(two, &timeout) {
		t.Error("errors.As does not find the group's TimeoutError")
	}
}

func TestAs(t *testing.T) {
	if As(nil) != nil {
		t.Error("As(nil) is not nil")
	}
	wrapped := fmt.Errorf("context: %w", &ExitError{Code: 2})
	if e := As(wrapped); e.Repr() != "ExitError(2)" {
		t.Errorf("As(wrapped) = %v", e)
	}
	if e := As(errors.New("boom")); e.Repr() != "OSError('boom')" {
		t.Errorf("As(plain) = %v", e.Repr())
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond: "500ms", time.Second: "1s", 2 * time.Minute: "2m",
		time.Hour: "1h", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1.5s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %s, want %s", d, got, want)
		}
	}
}
