package cmd

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/aiorun/aiorun/internal/app"
)

func TestOutputSettings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		env    map[string]string
		args   []string
		check  func(app.Options) bool
	}{
		{"defaults", "", nil, nil, func(o app.Options) bool {
			return o.JUnit == "" && o.LogDir == "" && !o.Timings && o.Output == "value" && o.CI == "auto" && o.Progress && !o.DryRun
		}},
		{"flags", "", nil, []string{"--junit", "r.xml", "--log-dir", "logs", "--timings", "--trace", "t.json",
			"--timeline", "t.svg", "--output", "group", "--dry-run", "--ci", "gitlab", "--progress=false"}, func(o app.Options) bool {
			return o.JUnit == "r.xml" && o.LogDir == "logs" && o.Timings && o.Trace == "t.json" && o.Timeline == "t.svg" &&
				o.Output == "group" && o.DryRun && o.CI == "gitlab" && !o.Progress
		}},
		{"environment", "", map[string]string{"AIORUN_JUNIT": "env.xml", "AIORUN_LOG_DIR": "envlogs", "AIORUN_TIMINGS": "1",
			"AIORUN_OUTPUT": "stream", "AIORUN_PROGRESS": "false", "AIORUN_CI": "none"}, nil, func(o app.Options) bool {
			return o.JUnit == "env.xml" && o.LogDir == "envlogs" && o.Timings && o.Output == "stream" && !o.Progress && o.CI == "none"
		}},
		{"config file, flag wins", "junit: cfg.xml\noutput: raw\ntimings: true\n", nil, []string{"--output", "stream"}, func(o app.Options) bool {
			return o.JUnit == "cfg.xml" && o.Output == "stream" && o.Timings
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := resolve(t, tc.config, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(opts) {
				t.Errorf("options %+v", opts)
			}
		})
	}
}

func TestOutputSettingsErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--output", "lines"}, `--output: want value, stream, group or raw, got "lines"`},
		{map[string]string{"AIORUN_OUTPUT": "all"}, nil, `AIORUN_OUTPUT: want value, stream, group or raw, got "all"`},
		{nil, []string{"--ci", "jenkins"}, `--ci: want auto, github, gitlab, plain or none, got "jenkins"`},
		{map[string]string{"AIORUN_TIMINGS": "yes please"}, nil, `AIORUN_TIMINGS: want true or false, got "yes please"`},
		{nil, []string{"--json", "--output", "raw"}, "--output raw writes jobs' output on standard output, which --json keeps for events"},
	} {
		_, err := resolve(t, "", tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want %q", tc.env, tc.args, err, tc.want)
		}
	}
}

// complete runs cobra's hidden __complete command, as the shell scripts
// that `aiorun completion` prints do, in dir.
func complete(t *testing.T, dir string, args ...string) string {
	t.Helper()
	t.Chdir(dir)
	var out bytes.Buffer
	root := NewRootCmd(app.Streams{Out: &out, Err: &out})
	root.SetArgs(append([]string{"__complete"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/jobs.yaml", []byte("jobs:\n  build: echo b\n  test: echo t\n  deploy: echo d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gather", "jobs.yaml", ""}, "build\ntest\ndeploy\n:4\n"},
		{[]string{"gather", "jobs.yaml", "test", ""}, "build\ndeploy\n:4\n"},
		{[]string{"as-completed", ""}, "build\ntest\ndeploy\n:4\n"},
		{[]string{"gather", "--junit", "r.xml", "jobs.yaml", ""}, "build\ntest\ndeploy\n:4\n"},
		{[]string{"gather", "--output", ""}, "value\nstream\ngroup\nraw\n:4\n"},
		{[]string{"run", "--ci", ""}, "auto\ngithub\ngitlab\nplain\nnone\n:4\n"},
		{[]string{"gather", "--junit", ""}, "xml\n:8\n"},
		{[]string{"gather", "--trace", ""}, "json\n:8\n"},
		{[]string{"gather", "--timeline", ""}, "svg\n:8\n"},
		{[]string{"gather", "--log-dir", ""}, ":16\n"},
	} {
		got := complete(t, dir, tc.args...)
		// cobra appends a help line for the shell ("Completion ended with
		// directive: ...") on the same stream here: keep the completions.
		if i := strings.Index(got, "Completion ended"); i >= 0 {
			got = got[:i]
		}
		if got != tc.want {
			t.Errorf("__complete %q:\n%s\nwant:\n%s", tc.args, got, tc.want)
		}
	}
	// Without a job file, job files are offered.
	if got := complete(t, t.TempDir(), "gather", ""); !strings.HasPrefix(got, "yaml\nyml\n:8\n") {
		t.Errorf("no job file: %q", got)
	}
}
