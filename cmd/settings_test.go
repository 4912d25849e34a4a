package cmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aiorun/aiorun/internal/app"
	"github.com/aiorun/aiorun/internal/event"
)

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		file      string
		args      []string
		wantFile  string
		wantNames []string
	}{
		{"", nil, "", nil},
		{"", []string{"jobs.yaml", "a"}, "jobs.yaml", []string{"a"}},
		{"", []string{"ci.yml"}, "ci.yml", []string{}},
		{"", []string{"-", "a", "b"}, "-", []string{"a", "b"}},
		{"", []string{"a", "b"}, "", []string{"a", "b"}},
		{"x.yaml", []string{"y.yaml"}, "x.yaml", []string{"y.yaml"}}, // with -f, every argument is a job
	} {
		file, names := splitArgs(tc.file, tc.args)
		if file != tc.wantFile || !slices.Equal(names, tc.wantNames) && len(names)+len(tc.wantNames) > 0 {
			t.Errorf("splitArgs(%q, %q) = %q, %q; want %q, %q", tc.file, tc.args, file, names, tc.wantFile, tc.wantNames)
		}
	}
}

// resolve parses args for gather in a directory holding config (if any)
// with env set, and returns the resolved options or the error.
func resolve(t *testing.T, config string, env map[string]string, args ...string) (app.Options, error) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, EnvPrefix+"_") {
			t.Setenv(k, "")
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	if config != "" {
		if err := os.WriteFile(ConfigFile, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := newModeCmd(app.Streams{}, event.Gather, "gather", "", "")
	if err := c.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	conf, err := loadSettings(c)
	if err != nil {
		return app.Options{}, err
	}
	return conf.modeOptions(event.Gather)
}

func TestPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		env    map[string]string
		args   []string
		want   int
	}{
		{"default: no limit", "", nil, nil, 0},
		{"config", "max-workers: 1\n", nil, nil, 1},
		{"environment over config", "max-workers: 1\n", map[string]string{"AIORUN_MAX_WORKERS": "2"}, nil, 2},
		{"flag over environment", "max-workers: 1\n", map[string]string{"AIORUN_MAX_WORKERS": "2"}, []string{"-j", "3"}, 3},
		{"an empty variable is unset", "max-workers: 1\n", map[string]string{"AIORUN_MAX_WORKERS": ""}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := resolve(t, tc.config, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if opts.MaxWorkers != tc.want {
				t.Errorf("max workers %d, want %d", opts.MaxWorkers, tc.want)
			}
		})
	}
}

func TestStrictValues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		env    map[string]string
		args   []string
		want   string
	}{
		{"duration without unit", "", nil, []string{"--timeout", "5"}, `--timeout: bad duration "5": missing unit in duration`},
		{"negative grace", "", nil, []string{"--grace", "-1s"}, `--grace: bad duration "-1s": must not be negative`},
		{"env duration", "", map[string]string{"AIORUN_TIMEOUT": "soon"}, nil, `AIORUN_TIMEOUT: bad duration "soon"`},
		{"zero workers", "", nil, []string{"-j", "0"}, "--max-workers: must be at least 1, got 0"},
		{"config workers", "max-workers: 0\n", nil, nil, "max-workers in .aiorun.yaml: must be at least 1, got 0"},
		{"not a boolean", "", map[string]string{"AIORUN_JSON": "yes please"}, nil, `AIORUN_JSON: want true or false, got "yes please"`},
		{"colour", "", nil, []string{"--color", "blue"}, `--color: want auto, always or never, got "blue"`},
		{"unknown config key", "max-worker: 2\n", nil, nil, `unknown key "max-worker"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolve(t, tc.config, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	opts, err := resolve(t, "grace: 10s\n", map[string]string{"AIORUN_TIMEOUT": "1m30s"}, "--return-exceptions")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Timeout != 90*time.Second || opts.Grace != 10*time.Second || !opts.ReturnExceptions {
		t.Errorf("opts = %+v", opts)
	}
}
