package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/event"
	"github.com/aiorun/aiorun/internal/exception"
)

func TestDetectCI(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want CIKind
	}{
		{map[string]string{}, CINone},
		{map[string]string{"CI": "true"}, CIPlain},
		{map[string]string{"CI": "1"}, CIPlain},
		{map[string]string{"CI": "false"}, CINone},
		{map[string]string{"CI": "true", "GITHUB_ACTIONS": "true"}, CIGitHub},
		{map[string]string{"GITHUB_ACTIONS": "false", "CI": "true"}, CIPlain},
		{map[string]string{"CI": "true", "GITLAB_CI": "true"}, CIGitLab},
	} {
		if got := DetectCI(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("DetectCI(%v) = %s, want %s", tt.env, got, tt.want)
		}
	}
}

func TestEscapeWorkflowCommand(t *testing.T) {
	if got, want := escapeData("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b"; got != want {
		t.Errorf("escapeData = %q, want %q", got, want)
	}
	if got, want := escapeProperty("a:b,c%\n"), "a%3Ab%2Cc%25%0A"; got != want {
		t.Errorf("escapeProperty = %q, want %q", got, want)
	}
}

// ciRun feeds a recorder and a CI reporter as a Fanout would, and returns
// what the CI reporter wrote.
func ciRun(kind CIKind) string {
	var out bytes.Buffer
	rec := NewRecorder(RecordOptions{Mode: event.Gather, KeepOutput: true})
	ci := NewCI(kind, &out, rec)
	f := Fanout{rec, ci}
	f.Started(event.Started{Job: "a", Time: t0, Attempt: 1})
	f.Started(event.Started{Job: "b", Time: t0, Attempt: 1})
	w := f.Stdout("b")
	_, _ = w.Write([]byte("building\n"))
	e := f.Stderr("b")
	_, _ = e.Write([]byte("100% broken\nreally"))
	_ = e.Close()
	_ = w.Close()
	f.Finished(event.Finished{Job: "b", Time: at(1500), Duration: 1500 * time.Millisecond, Started: true,
		Err: exitErr(3), Value: val("building"), Attempts: 1, Selected: true})
	f.Finished(event.Finished{Job: "a", Time: at(2000), Duration: 2 * time.Second, Started: true,
		Err: failFast, Attempts: 1, Selected: true})
	f.Finished(event.Finished{Job: "n", Time: at(2000), Selected: true,
		Err: &exception.NeedsError{Need: "b", Err: &exception.ExitError{Code: 3}}})
	f.Result(event.Result{Mode: event.Gather, ExitCode: 3, Err: &exception.Group{Jobs: []string{"b"}, Errs: []exception.Exception{&exception.ExitError{Code: 3}}}})
	f.Result(event.Result{Mode: event.Gather, ExitCode: 124, Err: &exception.CommandTimeout{After: time.Second, Pending: 1, Total: 2}})
	return out.String()
}

func TestCIGitHub(t *testing.T) {
	want := "::group::b: failed: exit status 3 (1.50s)\n" +
		"building\n100% broken\nreally\n" +
		"::endgroup::\n" +
		"::error title=b::failed: exit status 3%0A%0Abuilding%0A100%25 broken%0Areally\n" +
		"::group::a: cancelled (2.00s)\n" +
		"::endgroup::\n" +
		"::group::n: failed: needs b: failed: exit status 3\n" +
		"::endgroup::\n" +
		"::error title=aiorun::TimeoutError: 1 of 2 jobs not done after 1s\n"
	if got := ciRun(CIGitHub); got != want {
		t.Errorf("GitHub log:\n%s\nwant:\n%s", got, want)
	}
}

func TestCIGitLab(t *testing.T) {
	ts, te := t0.Unix(), t0.Add(1500*time.Millisecond).Unix()
	got := ciRun(CIGitLab)
	wantFirst := "\x1b[0Ksection_start:" + itoa64(ts) + ":aiorun_1_b[collapsed=true]\r\x1b[0Kb: failed: exit status 3 (1.50s)\n" +
		"building\n100% broken\nreally\n" +
		"\x1b[0Ksection_end:" + itoa64(te) + ":aiorun_1_b\r\x1b[0K\n"
	if !strings.HasPrefix(got, wantFirst) {
		t.Errorf("GitLab log:\n%q\nwant it to start with:\n%q", got, wantFirst)
	}
	if strings.Count(got, "section_start:") != 3 || strings.Count(got, "section_end:") != 3 || strings.Contains(got, "::") {
		t.Errorf("GitLab log:\n%q", got)
	}
}

func TestCINothingOfItsOwn(t *testing.T) {
	for _, k := range []CIKind{CIPlain, CINone} {
		if NewCI(k, nil, nil) != nil {
			t.Errorf("%s writes nothing of its own", k)
		}
	}
}

func TestStepSummary(t *testing.T) {
	run := sampleRun(t, event.Gather)
	var b bytes.Buffer
	if err := WriteStepSummary(&b, run); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, line := range []string{
		"### aiorun gather ci/jobs.yaml",
		"| job | status | duration | exit |",
		"| :-- | :-- | --: | --: |",
		"| `a` | ✅ finished | 1.10s | 0 |",
		"| `b` | ❌ failed: exit status 3 | 0.500s | 3 |",
		"| `t` | ⏱️ timed out after 1s | 1.06s | - |",
		"| `n` | ❌ failed: needs b: failed: exit status 3 | - | - |",
		"| `k` | ⏹️ cancelled | 1.07s | signal 9 |",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("summary lacks %q:\n%s", line, got)
		}
	}
	if !strings.Contains(got, "7 jobs in 1.31s · exit status 1 · 2 finished · 2 failed · 1 timed out · 2 cancelled") {
		t.Errorf("summary line:\n%s", got)
	}
}

func TestMarkdownEscape(t *testing.T) {
	if got, want := mdEscape("a|b\n<i>*x*_y_`z`"), `a\|b &lt;i&gt;\*x\*\_y\_`+"\\`z\\`"; got != want {
		t.Errorf("mdEscape = %q, want %q", got, want)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
