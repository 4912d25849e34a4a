package jobfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parseDir is a directory for Parse with a file and a directory in it.
func parseDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mergeBomb is a "billion laughs" made of merge keys: each mapping merges
// the one before twice, so expanding the last would visit 2^30 mappings.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("x-m0: &m0 {A: lol}\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "x-m%d: &m%d {<<: [*m%d, *m%d]}\n", i, i, i-1, i-1)
	}
	b.WriteString("env: *m30\njobs: {a: echo}\n")
	return b.String()
}

// TestParseErrors checks every problem Parse reports in a file's content:
// its message and its position. $DIR stands for the directory parsed in.
func TestParseErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		// The document.
		{"empty file", "", `1:1: empty job file: want a mapping with a "jobs" key`},
		{"only comments", "# nothing\n# here\n", `1:1: empty job file: want a mapping with a "jobs" key`},
		{"only a document marker", "---\n", `1:1: empty job file: want a mapping with a "jobs" key`},
		{"top level sequence", "- a\n- b\n", `1:1: job file: want a mapping with a "jobs" key, got a sequence`},
		{"top level scalar", "\nhello\n", `2:1: job file: want a mapping with a "jobs" key, got "hello"`},
		{"top level null", "~\n", `1:1: job file: want a mapping with a "jobs" key, got null`},
		{"second document", "jobs: {a: x}\n---\njobs: {b: y}\n", `2:1: a job file holds one YAML document; found a second`},
		{"second document after an empty one", "jobs: {a: x}\n---\n---\nb: 1\n", `3:1: a job file holds one YAML document; found a second`},
		{"bare document after end marker", "jobs: {a: x}\n...\nb: 1\n", `3:1: did not find expected <document start>`},

		// Text yaml.v3 refuses, placed by character (not byte) column.
		{"invalid UTF-8", "jobs:\n  a: echo \xff\n", `2:11: invalid UTF-8 (byte 0xff)`},
		{"invalid UTF-8 after multibyte", "jobs:\n  a: é\xc3(\n", `2:7: invalid UTF-8 (byte 0xc3)`},
		{"truncated UTF-8 at the end", "jobs:\n  a: x\xe2\x82", `2:7: invalid UTF-8 (byte 0xe2)`},
		{"UTF-16", "\xff\xfej\x00o\x00b\x00s\x00", `1:1: invalid UTF-8: the file looks like UTF-16; save it as UTF-8`},
		{"NUL byte", "jobs:\n  a: x\x00\n", `2:7: NUL byte: a job file is UTF-8 text`},
		{"control character", "jobs:\n  a: \x07\n", `2:6: character U+0007 is not allowed in YAML`},
		{"DEL", "jobs:\n  a: x\x7f\n", `2:7: character U+007F is not allowed in YAML`},
		{"NUL after CR line ends", "jobs:\r  a: x\r\x00", `3:1: NUL byte: a job file is UTF-8 text`},
		{"NUL after a byte-order mark", "\xef\xbb\xbf\x00", `1:1: NUL byte: a job file is UTF-8 text`},

		// Top-level keys.
		{"no jobs", "version: 1\n", `1:1: missing "jobs": want a mapping of job names to jobs`},
		{"empty jobs", "jobs: {}\n", `1:1: "jobs" is empty: want at least one job`},
		{"null jobs", "version: 1\njobs:\n", `2:1: "jobs" is empty: want at least one job`},
		{"jobs a sequence", "jobs:\n  - a\n", `2:3: jobs: want a mapping of job names to jobs, got a sequence`},
		{"version 2", "version: 2\njobs: {a: x}\n", `1:10: version: want 1, got 2`},
		{"version a string", "version: \"1\"\njobs: {a: x}\n", `1:10: version: want 1, got "1"`},
		{"version a float", "version: 1.0\njobs: {a: x}\n", `1:10: version: want 1, got 1.0`},
		{"shell empty", "shell: ''\njobs: {a: x}\n", `1:8: shell is empty`},
		{"shell not on PATH", "shell: no-such-shell-aiorun\njobs: {a: x}\n", `1:8: shell "no-such-shell-aiorun" not found in PATH`},
		{"shell a sequence", "shell: [bash, -e]\njobs: {a: x}\n", `1:8: shell: want a program name, got a sequence`},
		{"shell null", "shell:\njobs: {a: x}\n", `1:7: shell: want a program name, got null`},
		{"unknown top-level key, close", "jbos: {a: x}\n", `1:1: unknown key "jbos" (did you mean "jobs"?)`},
		{"unknown top-level key, other case", "Jobs: {a: x}\n", `1:1: unknown key "Jobs" (did you mean "jobs"?)`},
		{"unknown top-level key, far", "jobs: {a: x}\nbackend: ssh\n", `2:1: unknown key "backend" (valid keys: version, shell, env, jobs, executor, ssh_command, hosts, slurm, x-*)`},
		{"top-level key twice", "jobs: {a: x}\njobs: {b: y}\n", `2:1: duplicate key "jobs" (first defined at 1:1)`},
		{"key not a scalar", "? [a]\n: x\njobs: {a: x}\n", `1:3: key: want a name, got a sequence`},

		// env, top level and per job.
		{"env a sequence", "env: [A]\njobs: {a: x}\n", `1:6: env: want a mapping of NAME: value, got a sequence`},
		{"env a string", "env: A=1\njobs: {a: x}\n", `1:6: env: want a mapping of NAME: value, got "A=1"`},
		{"env bad name", "env: {1A: x}\njobs: {a: x}\n", `1:7: bad env name "1A" (names match [A-Za-z_][A-Za-z0-9_]*)`},
		{"env name with a dash", "env:\n  MY-VAR: x\njobs: {a: x}\n", `2:3: bad env name "MY-VAR" (names match [A-Za-z_][A-Za-z0-9_]*)`},
		{"env null value", "env:\n  A:\njobs: {a: x}\n", `2:5: env "A": want a string, got null`},
		{"env tilde value", "env:\n  A: ~\njobs: {a: x}\n", `2:6: env "A": want a string, got null`},
		{"env sequence value", "env:\n  A: [1]\njobs: {a: x}\n", `2:6: env "A": want a string, got a sequence`},
		{"env mapping value", "env:\n  A: {b: 1}\njobs: {a: x}\n", `2:6: env "A": want a string, got a mapping`},
		{"env name twice", "env:\n  A: 1\n  A: 2\njobs: {a: x}\n", `3:3: duplicate env "A" (first defined at 2:3)`},
		{"job env name twice", "jobs:\n  a:\n    run: x\n    env: {A: 1, A: 2}\n", `4:17: duplicate env "A" in job "a" (first defined at 4:11)`},
		{"job env bad name", "jobs:\n  a:\n    run: x\n    env: {A B: 1}\n", `4:11: bad env name "A B" (names match [A-Za-z_][A-Za-z0-9_]*)`},

		// Job names and shapes.
		{"bad job name", "jobs:\n  -a: x\n", `2:3: bad job name "-a" (names match [A-Za-z0-9][A-Za-z0-9_.-]*)`},
		{"job name with a space", "jobs:\n  a b: x\n", `2:3: bad job name "a b" (names match [A-Za-z0-9][A-Za-z0-9_.-]*)`},
		{"job name with a slash", "jobs:\n  a/b: x\n", `2:3: bad job name "a/b" (names match [A-Za-z0-9][A-Za-z0-9_.-]*)`},
		{"empty job name", "jobs: {\"\": x}\n", `1:8: bad job name "" (names match [A-Za-z0-9][A-Za-z0-9_.-]*)`},
		{"non-ASCII job name", "jobs:\n  café: x\n", `2:3: bad job name "café" (names match [A-Za-z0-9][A-Za-z0-9_.-]*)`},
		{"job twice", "jobs:\n  a: x\n  b: y\n  a: z\n", `4:3: duplicate job "a" (first defined at 2:3)`},
		{"key twice in a job", "jobs:\n  a:\n    run: x\n    run: y\n", `4:5: duplicate key "run" in job "a" (first defined at 3:5)`},
		{"job null", "jobs:\n  a:\n  b: y\n", `2:3: job "a" has no "run"`},
		{"job without run", "jobs:\n  a:\n    timeout: 5s\n", `2:3: job "a" has no "run"`},
		{"job a sequence", "jobs:\n  a: [x]\n", `2:6: job "a": want a command or a mapping, got a sequence`},
		{"short form blank", "jobs:\n  a: \"  \"\n", `2:6: run is empty`},
		{"run empty", "jobs:\n  a:\n    run: ''\n", `3:10: run is empty`},
		{"run blank block", "jobs:\n  a:\n    run: |\n\n", `3:10: run is empty`},
		{"run null", "jobs:\n  a:\n    run:\n    timeout: 1s\n", `3:9: run is empty`},
		{"run a sequence", "jobs:\n  a:\n    run: [echo, hi]\n", `3:10: run: want a shell command, got a sequence`},
		{"unknown key in a job, swapped letters", "jobs:\n  a:\n    run: x\n    tiemout: 5s\n", `4:5: unknown key "tiemout" in job "a" (did you mean "timeout"?)`},
		{"unknown key in a job, other case", "jobs:\n  a:\n    RUN: x\n", `3:5: unknown key "RUN" in job "a" (did you mean "run"?)`},
		{"unknown key in a job, dash", "jobs:\n  a:\n    run: x\n    retry-delay: 2s\n", `4:5: unknown key "retry-delay" in job "a" (did you mean "retry_delay"?)`},
		{"unknown key in a job, far", "jobs:\n  a:\n    run: x\n    command: y\n", `4:5: unknown key "command" in job "a" (valid keys: run, timeout, env, dir, needs, shield, retries, retry_delay, host)`},
		{"quoted merge key is a key", "jobs:\n  a:\n    run: x\n    '<<': {timeout: 1s}\n", `4:5: unknown key "<<" in job "a" (valid keys: run, timeout, env, dir, needs, shield, retries, retry_delay, host)`},

		// Durations.
		{"timeout a sequence", "jobs:\n  a:\n    run: x\n    timeout: [1]\n", `4:14: timeout: want a duration like "5s", got a sequence`},
		{"timeout null", "jobs:\n  a:\n    run: x\n    timeout:\n", `4:13: timeout: want a duration like "5s", got null`},
		{"timeout without unit", "jobs:\n  a:\n    run: x\n    timeout: 5\n", `4:14: bad duration "5" for timeout: missing unit (e.g. "5s")`},
		{"timeout decimal without unit", "jobs:\n  a:\n    run: x\n    timeout: 1.5\n", `4:14: bad duration "1.5" for timeout: missing unit (e.g. "1.5s")`},
		{"timeout unknown unit", "jobs:\n  a:\n    run: x\n    timeout: 5sec\n", `4:14: bad duration "5sec" for timeout: unknown unit "sec" (units: ns, us, ms, s, m, h)`},
		{"timeout in days", "jobs:\n  a:\n    run: x\n    timeout: 1d\n", `4:14: bad duration "1d" for timeout: unknown unit "d" (units: ns, us, ms, s, m, h)`},
		{"timeout words", "jobs:\n  a:\n    run: x\n    timeout: soon\n", `4:14: bad duration "soon" for timeout: want a number and a unit, like "5s", "1m30s" or "500ms"`},
		{"timeout with a space", "jobs:\n  a:\n    run: x\n    timeout: 5 s\n", `4:14: bad duration "5 s" for timeout: want a number and a unit, like "5s", "1m30s" or "500ms"`},
		{"timeout zero", "jobs:\n  a:\n    run: x\n    timeout: 0s\n", `4:14: timeout: want a duration greater than 0, got "0s"`},
		{"timeout bare zero", "jobs:\n  a:\n    run: x\n    timeout: 0\n", `4:14: timeout: want a duration greater than 0, got 0`},
		{"timeout negative", "jobs:\n  a:\n    run: x\n    timeout: -1s\n", `4:14: timeout: want a duration greater than 0, got "-1s"`},
		{"retry_delay negative", "jobs:\n  a:\n    run: x\n    retry_delay: -1s\n", `4:18: retry_delay: want a duration of 0 or more, got "-1s"`},
		{"retry_delay without unit", "jobs:\n  a:\n    run: x\n    retry_delay: 2\n", `4:18: bad duration "2" for retry_delay: missing unit (e.g. "2s")`},

		// Integers and booleans, by YAML type.
		{"retries a word", "jobs:\n  a:\n    run: x\n    retries: x\n", `4:14: retries: want an integer from 0 to 1000, got "x"`},
		{"retries too many", "jobs:\n  a:\n    run: x\n    retries: 1001\n", `4:14: retries: want an integer from 0 to 1000, got 1001`},
		{"retries negative", "jobs:\n  a:\n    run: x\n    retries: -1\n", `4:14: retries: want an integer from 0 to 1000, got -1`},
		{"retries a float", "jobs:\n  a:\n    run: x\n    retries: 1.5\n", `4:14: retries: want an integer from 0 to 1000, got 1.5`},
		{"retries quoted", "jobs:\n  a:\n    run: x\n    retries: \"3\"\n", `4:14: retries: want an integer from 0 to 1000, got "3"`},
		{"retries huge", "jobs:\n  a:\n    run: x\n    retries: 99999999999999999999\n", `4:14: retries: want an integer from 0 to 1000, got 99999999999999999999`},
		{"retries null", "jobs:\n  a:\n    run: x\n    retries:\n", `4:13: retries: want an integer from 0 to 1000, got null`},
		{"shield a word", "jobs:\n  a:\n    run: x\n    shield: yes-please\n", `4:13: shield: want true or false, got "yes-please"`},
		{"shield YAML 1.1 yes", "jobs:\n  a:\n    run: x\n    shield: yes\n", `4:13: shield: want true or false, got "yes"`},
		{"shield a number", "jobs:\n  a:\n    run: x\n    shield: 1\n", `4:13: shield: want true or false, got 1`},
		{"shield a mapping", "jobs:\n  a:\n    run: x\n    shield: {}\n", `4:13: shield: want true or false, got a mapping`},
		{"long value shortened", "jobs:\n  a:\n    run: x\n    shield: " + strings.Repeat("y", 50) + "\n", `4:13: shield: want true or false, got "` + strings.Repeat("y", 40) + `..."`},

		// dir, against $DIR.
		{"dir missing", "jobs:\n  a:\n    run: x\n    dir: nope\n", `4:10: dir "nope" does not exist (resolved to $DIR/nope)`},
		{"dir missing, absolute", "jobs:\n  a:\n    run: x\n    dir: /no/such/aiorun/dir\n", `4:10: dir "/no/such/aiorun/dir" does not exist`},
		{"dir a file", "jobs:\n  a:\n    run: x\n    dir: file.txt\n", `4:10: dir "file.txt" is not a directory`},
		{"dir below a file", "jobs:\n  a:\n    run: x\n    dir: file.txt/sub\n", `4:10: dir "file.txt/sub": not a directory`},
		{"dir empty", "jobs:\n  a:\n    run: x\n    dir: ''\n", `4:10: dir is empty`},
		{"dir a sequence", "jobs:\n  a:\n    run: x\n    dir: [sub]\n", `4:10: dir: want a directory path, got a sequence`},

		// needs.
		{"needs unknown, close", "jobs:\n  build: x\n  test:\n    run: y\n    needs: [biuld]\n", `5:13: job "test" needs unknown job "biuld" (did you mean "build"?)`},
		{"needs unknown, far", "jobs:\n  build: x\n  test:\n    run: y\n    needs: [lint]\n", `5:13: job "test" needs unknown job "lint"`},
		{"needs unknown, one string", "jobs:\n  build: x\n  test:\n    run: y\n    needs: buidl\n", `5:12: job "test" needs unknown job "buidl" (did you mean "build"?)`},
		{"needs itself", "jobs:\n  a:\n    run: x\n    needs: [b, a]\n  b: y\n", `4:16: job "a" needs itself`},
		{"needs a name twice", "jobs:\n  a: x\n  b:\n    run: y\n    needs:\n      - a\n      - a\n", `7:9: job "b" needs "a" twice (first at 6:9)`},
		{"needs a mapping", "jobs:\n  a: x\n  b:\n    run: y\n    needs: {a: 1}\n", `5:12: needs: want a job name or a list of job names, got a mapping`},
		{"needs an entry that is a sequence", "jobs:\n  a: x\n  b:\n    run: y\n    needs: [[a]]\n", `5:13: needs: want a job name, got a sequence`},
		{"needs an entry that is null", "jobs:\n  a: x\n  b:\n    run: y\n    needs: [a, ~]\n", `5:16: needs: want a job name, got null`},
		{"needs names with one variable", "jobs:\n  a-b: x\n  a_b: y\n  c:\n    run: z\n    needs: [a-b, a_b]\n", `6:18: needs "a-b" and "a_b" both map to AIORUN_VALUE_A_B`},
		{"needs names that differ in case", "jobs:\n  A: x\n  a: y\n  c:\n    run: z\n    needs: [A, a]\n", `6:16: needs "A" and "a" both map to AIORUN_VALUE_A`},
		{"unknown need reported before a shared variable", "jobs:\n  a-b: x\n  c:\n    run: z\n    needs: [a-b, a_b]\n", `5:18: job "c" needs unknown job "a_b" (did you mean "a-b"?)`},
		{"cycle of two", "jobs:\n  a:\n    run: x\n    needs: [b]\n  b:\n    run: y\n    needs: [a]\n", `4:13: dependency cycle: a -> b -> a`},
		{"cycle found from a later job", "jobs:\n  b:\n    run: y\n    needs: [a]\n  a:\n    run: x\n    needs: [b]\n", `4:13: dependency cycle: b -> a -> b`},
		{"cycle entered at its last job", "jobs:\n  z:\n    run: w\n    needs: c\n  a:\n    run: x\n    needs: [z0, b]\n  b:\n    run: y\n    needs: c\n  c:\n    run: v\n    needs: a\n  z0: u\n",
			`7:17: dependency cycle: a -> b -> c -> a`},

		// Aliases and merge keys.
		{"merge of a scalar", "jobs:\n  a:\n    <<: 1\n    run: x\n", `3:9: <<: want a mapping or a list of mappings, got 1`},
		{"merge of a list with a scalar", "x-d: &d {timeout: 1s}\njobs:\n  a:\n    <<: [*d, 2]\n    run: x\n", `4:14: <<: want a mapping or a list of mappings, got 2`},
		{"merge of itself", "x-e: &e {<<: *e, A: 1}\nenv: *e\njobs: {a: x}\n", `1:14: merge of anchor "e" into itself`},
		{"problem in merged mapping, at its place", "x-d: &d {timeout: 5}\njobs:\n  a:\n    <<: *d\n    run: x\n", `1:19: bad duration "5" for timeout: missing unit (e.g. "5s")`},
		{"unknown key in merged mapping", "x-d: &d {tmeout: 5s}\njobs:\n  a:\n    <<: *d\n    run: x\n", `1:10: unknown key "tmeout" in job "a" (did you mean "timeout"?)`},
		{"merge bomb", mergeBomb(), `4:22: too many alias expansions`},
		{"value through an alias, at the alias", "x-t: &t 5\njobs:\n  a:\n    run: x\n    timeout: *t\n", `5:14: bad duration "5" for timeout: missing unit (e.g. "5s")`},
		{"job through an alias, at the alias", "x-j: &j [x]\njobs:\n  a: *j\n", `3:6: job "a": want a command or a mapping, got a sequence`},
	}
	dir := parseDir(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("jobs.yaml", []byte(tt.yaml), dir)
			want := "jobs.yaml:" + strings.ReplaceAll(tt.want, "$DIR", dir)
			if err == nil {
				t.Fatalf("Parse(%q) = %d jobs, want error\n%s", tt.yaml, len(f.Jobs), want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "jobs.yaml" {
				t.Fatalf("Parse(%q) error %T %v, want an *Error for jobs.yaml", tt.yaml, err, err)
			}
			if err.Error() != want {
				t.Errorf("Parse(%q)\n got: %s\nwant: %s", tt.yaml, err, want)
			}
		})
	}
}

// TestParse checks what Parse makes of valid files.
func TestParse(t *testing.T) {
	dir := parseDir(t)
	sec := time.Second
	tests := []struct {
		name  string
		yaml  string
		shell string
		env   []EnvVar
		jobs  []Job
	}{
		{
			name: "short form, in declaration order, with defaults",
			yaml: "jobs:\n  c: sleep 3; echo c\n  a: echo a\n  b: true\n",
			jobs: []Job{
				{Name: "c", Run: "sleep 3; echo c", RetryDelay: sec, Pos: Pos{2, 3}},
				{Name: "a", Run: "echo a", RetryDelay: sec, Pos: Pos{3, 3}},
				{Name: "b", Run: "true", RetryDelay: sec, Pos: Pos{4, 3}},
			},
		},
		{
			name: "every key",
			yaml: "version: 1\nshell: sh\nenv: {GREETING: hi}\njobs:\n" +
				"  build: make\n" +
				"  test:\n" +
				"    run: ./run-tests \"$AIORUN_VALUE_BUILD\"\n" +
				"    timeout: 1m30s\n" +
				"    env: {NAME: test}\n" +
				"    dir: sub\n" +
				"    needs: [build]\n" +
				"    shield: true\n" +
				"    retries: 3\n" +
				"    retry_delay: 250ms\n",
			shell: "sh",
			env:   []EnvVar{{"GREETING", "hi"}},
			jobs: []Job{
				{Name: "build", Run: "make", RetryDelay: sec, Pos: Pos{5, 3}},
				{Name: "test", Run: "./run-tests \"$AIORUN_VALUE_BUILD\"", Timeout: 90 * sec,
					Env: []EnvVar{{"NAME", "test"}}, Dir: filepath.Join(dir, "sub"), Needs: []string{"build"},
					Shield: true, Retries: 3, RetryDelay: 250 * time.Millisecond, Pos: Pos{6, 3}},
			},
		},
		{
			name: "env values are literal text",
			yaml: "env:\n  A: 010\n  B: true\n  C: 1.50\n  D: 0x1F\n  E: \"quoted\"\n  F: |\n    two\n    lines\n  G: ''\n  _h9: 2001-12-14\njobs: {a: x}\n",
			env: []EnvVar{{"A", "010"}, {"B", "true"}, {"C", "1.50"}, {"D", "0x1F"}, {"E", "quoted"},
				{"F", "two\nlines\n"}, {"G", ""}, {"_h9", "2001-12-14"}},
			jobs: []Job{{Name: "a", Run: "x", RetryDelay: sec, Pos: Pos{12, 8}}},
		},
		{
			name: "null and empty collections are none",
			yaml: "env:\njobs:\n  a:\n    run: x\n    env: {}\n    needs:\n",
			jobs: []Job{{Name: "a", Run: "x", RetryDelay: sec, Pos: Pos{3, 3}}},
		},
		{
			name: "x- keys are ignored, anchors and aliases work",
			yaml: "x-common: &common {A: '1', B: two}\nx-junk: [1, {a: b}, *common]\nx-run: &run echo hi\n" +
				"env: *common\njobs:\n  a: *run\n  b:\n    run: *run\n    env: *common\n",
			env: []EnvVar{{"A", "1"}, {"B", "two"}},
			jobs: []Job{
				{Name: "a", Run: "echo hi", RetryDelay: sec, Pos: Pos{6, 3}},
				{Name: "b", Run: "echo hi", Env: []EnvVar{{"A", "1"}, {"B", "two"}}, RetryDelay: sec, Pos: Pos{7, 3}},
			},
		},
		{
			name: "merge keys: explicit keys win, earlier merges win, entries where the merge stands",
			yaml: "x-defaults: &defaults {timeout: 5s, retries: 2, run: default}\n" +
				"x-slow: &slow {timeout: 1m, shield: true}\n" +
				"x-env: &env {A: a, B: b}\n" +
				"jobs:\n" +
				"  a:\n    run: echo a\n    <<: [*slow, *defaults]\n    retries: 4\n" +
				"  b:\n    <<: *defaults\n" +
				"  c:\n    run: echo c\n    env:\n      Z: z\n      <<: *env\n      B: mine\n",
			jobs: []Job{
				{Name: "a", Run: "echo a", Timeout: time.Minute, Shield: true, Retries: 4, RetryDelay: sec, Pos: Pos{5, 3}},
				{Name: "b", Run: "default", Timeout: 5 * sec, Retries: 2, RetryDelay: sec, Pos: Pos{9, 3}},
				{Name: "c", Run: "echo c", Env: []EnvVar{{"Z", "z"}, {"A", "a"}, {"B", "mine"}}, RetryDelay: sec, Pos: Pos{11, 3}},
			},
		},
		{
			name: "merge of an inline mapping, and merges of merges",
			yaml: "x-base: &base {retries: 1}\nx-mid: &mid {<<: *base, timeout: 2s}\n" +
				"jobs:\n  a: {<<: [*mid, {shield: true}], run: x}\n",
			jobs: []Job{{Name: "a", Run: "x", Timeout: 2 * sec, Shield: true, Retries: 1, RetryDelay: sec, Pos: Pos{4, 3}}},
		},
		{
			name: "needs: one name, numeric names, order kept",
			yaml: "jobs:\n  1: echo one\n  b.2_x-y: echo b\n  c:\n    run: echo c\n    needs: b.2_x-y\n  d:\n    run: echo d\n    needs: [c, 1, b.2_x-y]\n",
			jobs: []Job{
				{Name: "1", Run: "echo one", RetryDelay: sec, Pos: Pos{2, 3}},
				{Name: "b.2_x-y", Run: "echo b", RetryDelay: sec, Pos: Pos{3, 3}},
				{Name: "c", Run: "echo c", Needs: []string{"b.2_x-y"}, RetryDelay: sec, Pos: Pos{4, 3}},
				{Name: "d", Run: "echo d", Needs: []string{"c", "1", "b.2_x-y"}, RetryDelay: sec, Pos: Pos{7, 3}},
			},
		},
		{
			name: "a diamond is not a cycle",
			yaml: "jobs:\n  a: x\n  b: {run: y, needs: a}\n  c: {run: z, needs: a}\n  d: {run: w, needs: [b, c]}\n",
			jobs: []Job{
				{Name: "a", Run: "x", RetryDelay: sec, Pos: Pos{2, 3}},
				{Name: "b", Run: "y", Needs: []string{"a"}, RetryDelay: sec, Pos: Pos{3, 3}},
				{Name: "c", Run: "z", Needs: []string{"a"}, RetryDelay: sec, Pos: Pos{4, 3}},
				{Name: "d", Run: "w", Needs: []string{"b", "c"}, RetryDelay: sec, Pos: Pos{5, 3}},
			},
		},
		{
			name: "dir: relative, cleaned, absolute",
			yaml: "jobs:\n  a: {run: x, dir: ./sub/../sub/}\n  b: {run: y, dir: .}\n  c: {run: z, dir: " + dir + "/sub}\n",
			jobs: []Job{
				{Name: "a", Run: "x", Dir: filepath.Join(dir, "sub"), RetryDelay: sec, Pos: Pos{2, 3}},
				{Name: "b", Run: "y", Dir: dir, RetryDelay: sec, Pos: Pos{3, 3}},
				{Name: "c", Run: "z", Dir: filepath.Join(dir, "sub"), RetryDelay: sec, Pos: Pos{4, 3}},
			},
		},
		{
			name: "durations, retries and shield at their limits",
			yaml: "jobs:\n  a: {run: x, timeout: 1ns, retry_delay: 0, retries: 1000, shield: false}\n  b: {run: y, timeout: 2h45m, retry_delay: 1.5s, retries: 0}\n",
			jobs: []Job{
				{Name: "a", Run: "x", Timeout: 1, Retries: 1000, Pos: Pos{2, 3}},
				{Name: "b", Run: "y", Timeout: 2*time.Hour + 45*time.Minute, RetryDelay: 1500 * time.Millisecond, Pos: Pos{3, 3}},
			},
		},
		{
			name: "integers and booleans in YAML's spellings",
			yaml: "version: 0x1\njobs:\n  a: {run: x, retries: 0x10, shield: True}\n  b: {run: y, retries: 1_0, shield: FALSE}\n  c: {run: z, retries: 0o17, shield: !!bool true}\n",
			jobs: []Job{
				{Name: "a", Run: "x", Retries: 16, Shield: true, RetryDelay: sec, Pos: Pos{3, 3}},
				{Name: "b", Run: "y", Retries: 10, RetryDelay: sec, Pos: Pos{4, 3}},
				{Name: "c", Run: "z", Retries: 15, Shield: true, RetryDelay: sec, Pos: Pos{5, 3}},
			},
		},
		{
			name:  "shell by absolute path",
			yaml:  "shell: /bin/sh\njobs: {a: x}\n",
			shell: "/bin/sh",
			jobs:  []Job{{Name: "a", Run: "x", RetryDelay: sec, Pos: Pos{2, 8}}},
		},
		{
			name: "a leading and a trailing empty document",
			yaml: "---\njobs: {a: x}\n---\n# the end\n",
			jobs: []Job{{Name: "a", Run: "x", RetryDelay: sec, Pos: Pos{2, 8}}},
		},
		{
			name: "CR LF line ends and a byte-order mark",
			yaml: "\xef\xbb\xbfjobs:\r\n  a: x\r\n  b:\r\n    run: y\r\n",
			jobs: []Job{
				{Name: "a", Run: "x", RetryDelay: sec, Pos: Pos{2, 3}},
				{Name: "b", Run: "y", RetryDelay: sec, Pos: Pos{3, 3}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("jobs.yaml", []byte(tt.yaml), dir)
			if err != nil {
				t.Fatal(err)
			}
			shell := tt.shell
			if shell == "" {
				shell = "sh"
			}
			if f.Version != 1 || f.Shell != shell || !reflect.DeepEqual(f.Env, tt.env) {
				t.Errorf("version %d, shell %q, env %v; want 1, %q, %v", f.Version, f.Shell, f.Env, shell, tt.env)
			}
			if len(f.Jobs) != len(tt.jobs) {
				t.Fatalf("%d jobs %v, want %d", len(f.Jobs), f.Names(), len(tt.jobs))
			}
			for i, j := range f.Jobs {
				if !reflect.DeepEqual(*j, tt.jobs[i]) {
					t.Errorf("job %d:\n got %+v\nwant %+v", i, *j, tt.jobs[i])
				}
				if f.Job(j.Name) != j {
					t.Errorf("Job(%q) = %p, want %p", j.Name, f.Job(j.Name), j)
				}
			}
		})
	}
}

// TestParseFile checks the file-level fields and Job's miss.
func TestParseFile(t *testing.T) {
	data := []byte("jobs:\n  a: x\n")
	f, err := Parse("some/jobs.yaml", data, ".")
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if f.Path != "some/jobs.yaml" || f.Dir != wd || f.Digest != hex.EncodeToString(sum[:]) {
		t.Errorf("Path %q, Dir %q, Digest %q; want some/jobs.yaml, %q, %x", f.Path, f.Dir, f.Digest, wd, sum)
	}
	if j := f.Job("b"); j != nil {
		t.Errorf(`Job("b") = %+v, want nil`, j)
	}
	if got := f.Names(); !reflect.DeepEqual(got, []string{"a"}) {
		t.Errorf("Names() = %v", got)
	}
}

func TestParseTooLarge(t *testing.T) {
	_, err := Parse("big.yaml", make([]byte, maxSize+1), ".")
	const want = "big.yaml: too large (16777217 bytes; the limit is 16 MiB)"
	if err == nil || err.Error() != want {
		t.Errorf("Parse(16 MiB + 1) = %v, want %s", err, want)
	}
}

// TestAliasBombs checks that files built to explode when their aliases are
// expanded are refused quickly, whatever the aliases are used for.
func TestAliasBombs(t *testing.T) {
	laughs := "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for c := 'b'; c <= 'i'; c++ {
		laughs += fmt.Sprintf("x-%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1, c-1)
	}
	tests := []struct{ name, yaml, want string }{
		{"merge keys", mergeBomb(), "jobs.yaml:4:22: too many alias expansions"},
		{"laughs unused", laughs + "jobs: {a: x}\n", ""},
		{"laughs as env", laughs + "env: *i\njobs: {a: x}\n", "jobs.yaml:10:6: env: want a mapping of NAME: value, got a sequence"},
		{"laughs as needs", laughs + "jobs:\n  a: x\n  b: {run: y, needs: *i}\n", "jobs.yaml:9:10: needs: want a job name, got a sequence"},
		{"laughs merged", laughs + "jobs:\n  a: {run: y, <<: *i}\n", "jobs.yaml:9:10: <<: want a mapping or a list of mappings, got a sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("jobs.yaml", []byte(tt.yaml), ".")
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v", took)
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAliasesWithinBudget checks that a big, sane file whose every job
// uses aliases and merge keys is not taken for a bomb.
func TestAliasesWithinBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-env: &env {A: '1', B: '2', C: '3', D: '4', E: '5', F: '6', G: '7', H: '8'}\n")
	b.WriteString("x-defaults: &defaults {timeout: 5s, retries: 2, retry_delay: 1s, shield: false}\njobs:\n")
	const n = 20000
	for i := range n {
		fmt.Fprintf(&b, "  j%d: {<<: *defaults, run: echo %d, env: *env}\n", i, i)
	}
	f, err := Parse("jobs.yaml", []byte(b.String()), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Jobs) != n || len(f.Jobs[n-1].Env) != 8 || f.Jobs[n-1].Timeout != 5*time.Second {
		t.Errorf("%d jobs, last %+v", len(f.Jobs), *f.Jobs[n-1])
	}
}

func TestValueVar(t *testing.T) {
	for name, want := range map[string]string{
		"build":   "AIORUN_VALUE_BUILD",
		"a-b.c_D": "AIORUN_VALUE_A_B_C_D",
		"0x":      "AIORUN_VALUE_0X",
		"é":       "AIORUN_VALUE__",
	} {
		if got := ValueVar(name); got != want {
			t.Errorf("ValueVar(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"run", "timeout", "env", "dir", "needs", "shield", "retries", "retry_delay"}
	for word, want := range map[string]string{
		"tiemout":    "timeout",
		"timeouts":   "timeout",
		"TIMEOUT":    "timeout",
		"rnu":        "run",
		"dri":        "dir",
		"need":       "needs",
		"retires":    "retries",
		"retrydelay": "retry_delay",
		"a":          "",
		"ned":        "",
		"command":    "",
		"":           "",
	} {
		if got := suggest(word, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", word, got, want)
		}
	}
}
