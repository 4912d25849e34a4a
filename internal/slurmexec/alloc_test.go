package slurmexec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGetenv(t *testing.T) {
	env := []string{"A=1", "B=", "NOEQUALS", "C=x=y", "A=2", "PATH=/bin"}
	for _, tc := range []struct{ key, want string }{
		{"A", "2"},       // the last entry wins, as for exec
		{"B", ""},        // set and empty
		{"C", "x=y"},     // only the first = separates
		{"D", ""},        // unset
		{"NOEQUALS", ""}, // not an entry
		{"PAT", ""},      // no prefix match
	} {
		if got := getenv(env, tc.key); got != tc.want {
			t.Errorf("getenv(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	mk := func(rel string, mode os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk("plain/srun", 0o644)
	exe := mk("exe/srun", 0o755)
	later := mk("later/srun", 0o755)
	if err := os.MkdirAll(filepath.Join(dir, "isdir/srun"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"first executable", dir + "/exe:" + dir + "/later", exe},
		{"skips a file that is not executable", dir + "/plain:" + dir + "/later", later},
		{"skips a directory", dir + "/isdir:" + dir + "/later", later},
		{"skips a missing directory", dir + "/none:" + dir + "/exe", exe},
		{"not found", dir + "/plain:" + dir + "/isdir", ""},
		{"empty PATH", "", ""},
	} {
		got, err := lookPath([]string{"PATH=" + tc.path}, "srun")
		switch {
		case tc.want == "":
			if err == nil || err.Error() != "srun not found on PATH" {
				t.Errorf("%s: lookPath = %q, %v; want the error %q", tc.name, got, err, "srun not found on PATH")
			}
		case err != nil || got != tc.want:
			t.Errorf("%s: lookPath = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	// An empty entry is the current directory, as for the shell.
	t.Chdir(dir + "/exe")
	if got, err := lookPath([]string{"PATH=" + dir + "/plain::" + dir + "/later"}, "srun"); err != nil || got != "./srun" {
		t.Errorf("empty PATH entry: lookPath = %q, %v; want ./srun", got, err)
	}
}

// TestOpenNoSrun: without srun on PATH Open fails with ErrNoSrun (a usage
// error to the app, whose message the end-to-end tests pin) and calls
// nothing, inside an allocation or not.
func TestOpenNoSrun(t *testing.T) {
	for _, inside := range []bool{false, true} {
		f := newFake(t)
		f.remove(t, "srun")
		env := f.env()
		if inside {
			env = append(env, "SLURM_JOB_ID=42")
		}
		e, err := Open(context.Background(), Options{Env: env, Size: 1})
		if e != nil || !errors.Is(err, ErrNoSrun) {
			t.Errorf("inside=%v: Open = %v, %v; want ErrNoSrun", inside, e, err)
		}
		if err != nil && err.Error() != "the slurm executor needs Slurm's srun on PATH" {
			t.Errorf("inside=%v: message %q", inside, err)
		}
		if c := f.calls(t); len(c) != 0 {
			t.Errorf("inside=%v: calls %v, want none", inside, c)
		}
	}
}

func TestOpenNoSalloc(t *testing.T) {
	f := newFake(t)
	f.remove(t, "salloc")
	_, err := Open(context.Background(), Options{Env: f.env(), Size: 1})
	if err == nil || err.Error() != "slurm: salloc not found on PATH" {
		t.Errorf("Open = %v, want slurm: salloc not found on PATH", err)
	}
}

// TestOpenInside: with SLURM_JOB_ID set, Open uses that allocation and
// asks Slurm for nothing; Close sweeps it but neither cancels it nor
// waits for it to leave squeue: it is not aiorun's.
func TestOpenInside(t *testing.T) {
	f := newFake(t)
	log := &debugLog{}
	e := openInside(t, f, log, "FAKE_NODES=2")
	if e.Job() != "42" || e.owned {
		t.Errorf("Job() = %q, owned %v; want 42, not owned", e.Job(), e.owned)
	}
	if c := f.calls(t); len(c) != 0 {
		t.Errorf("Open called %v, want nothing", c)
	}
	if !log.has("slurm: running the jobs as steps of allocation 42 (SLURM_JOB_ID)") {
		t.Errorf("debug %q: no word of the allocation", log.all())
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	c := f.calls(t)
	if got, want := names(c), []string{"squeue", "srun"}; !slices.Equal(got, want) {
		t.Fatalf("Close called %v, want %v (the sweep only)", c, want)
	}
	if got, want := c[0].args, []string{"-h", "-j", "42", "-o", "%D"}; !slices.Equal(got, want) {
		t.Errorf("squeue %q, want %q", got, want)
	}
	if e.salloc != nil {
		t.Errorf("an allocation of aiorun's own: %v", e.salloc)
	}
}

// TestPartitionCPUs: the CPUs of the partition salloc would use, the one
// named in the arguments (every way salloc takes it, the last one wins)
// or the default one (sinfo marks it with *); 0 when sinfo cannot say.
func TestPartitionCPUs(t *testing.T) {
	const sinfo = "debug* 0/8/0/8\n  short 2/14/0/16  \nlong 0/0/4/4\nodd n/a\nnospace\n"
	for _, tc := range []struct {
		name   string
		args   []string
		sinfo  string
		status string
		noTool bool
		want   int
	}{
		{name: "default partition", args: []string{"--account=ci"}, sinfo: sinfo, want: 8},
		{name: "--partition=P", args: []string{"--partition=short"}, sinfo: sinfo, want: 16},
		{name: "--partition P", args: []string{"--partition", "short"}, sinfo: sinfo, want: 16},
		{name: "-pP", args: []string{"-pshort"}, sinfo: sinfo, want: 16},
		{name: "-p P", args: []string{"-p", "short"}, sinfo: sinfo, want: 16},
		{name: "the default by name", args: []string{"-p", "debug"}, sinfo: sinfo, want: 8},
		{name: "last wins", args: []string{"--partition=long", "-p", "short"}, sinfo: sinfo, want: 16},
		{name: "total, not idle", args: []string{"-plong"}, sinfo: sinfo, want: 4},
		{name: "-p without a value", args: []string{"-p"}, sinfo: sinfo, want: 8},
		{name: "unknown partition", args: []string{"--partition=nope"}, sinfo: sinfo, want: 0},
		{name: "partition list", args: []string{"--partition=short,long"}, sinfo: sinfo, want: 0},
		{name: "not a number", args: []string{"-p", "odd"}, sinfo: sinfo, want: 0},
		{name: "no default", sinfo: "short 0/16/0/16\n", want: 0},
		{name: "sinfo fails", sinfo: sinfo, status: "1", want: 0},
		{name: "no sinfo", noTool: true, want: 0},
		{name: "nothing listed", want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			if tc.noTool {
				f.remove(t, "sinfo")
			}
			e := &Executor{opts: Options{Env: f.env("FAKE_SINFO="+tc.sinfo, "FAKE_SINFO_STATUS="+tc.status)}}
			if got := e.partitionCPUs(tc.args); got != tc.want {
				t.Errorf("partitionCPUs(%q) = %d, want %d", tc.args, got, tc.want)
			}
			if tc.noTool {
				return
			}
			c := f.calls(t)
			if len(c) != 1 || !slices.Equal(c[0].args, []string{"-h", "-o", "%P %C"}) {
				t.Errorf("calls %v, want one sinfo -h -o '%%P %%C'", c)
			}
		})
	}
}

// TestSallocArgs: the allocation salloc is asked for: one task per job
// that may run at once, --overcommit unless the partition has the CPUs,
// a time limit in minutes:seconds rounded up to a second, slurm.args
// last, then `-- cat`.
func TestSallocArgs(t *testing.T) {
	const sinfo = "debug* 0/8/0/8\nshort 0/16/0/16\n"
	for _, tc := range []struct {
		name  string
		opts  Options
		sinfo string
		want  []string
	}{
		{name: "fits", opts: Options{Name: "aiorun", Size: 3}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=3", "--", "cat"}},
		{name: "as many tasks as CPUs", opts: Options{Name: "aiorun", Size: 8}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=8", "--", "cat"}},
		{name: "more tasks than CPUs", opts: Options{Name: "aiorun", Size: 9}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=9", "--overcommit", "--", "cat"}},
		{name: "CPUs unknown", opts: Options{Name: "aiorun", Size: 1},
			want: []string{"--job-name=aiorun", "--ntasks=1", "--overcommit", "--", "cat"}},
		{name: "size 0 is one task", opts: Options{Name: "aiorun"}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=1", "--", "cat"}},
		{name: "time limit", opts: Options{Name: "aiorun", Size: 2, TimeLimit: 90 * time.Second}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=2", "--time=1:30", "--", "cat"}},
		{name: "time limit rounded up", opts: Options{Name: "aiorun", Size: 2, TimeLimit: 1500 * time.Millisecond}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=2", "--time=0:02", "--", "cat"}},
		{name: "time limit in minutes", opts: Options{Name: "aiorun", Size: 2, TimeLimit: 2*time.Hour + 5*time.Second}, sinfo: sinfo,
			want: []string{"--job-name=aiorun", "--ntasks=2", "--time=120:05", "--", "cat"}},
		{name: "slurm.args, their partition's CPUs", opts: Options{Name: "ci run", Size: 12, TimeLimit: time.Minute,
			Args: []string{"--partition=short", "--account=ci"}}, sinfo: sinfo,
			want: []string{"--job-name=ci run", "--ntasks=12", "--time=1:00", "--partition=short", "--account=ci", "--", "cat"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			log := &debugLog{}
			tc.opts.Env = f.env("FAKE_SINFO=" + tc.sinfo)
			tc.opts.Debug = log.debugf
			e, err := Open(context.Background(), tc.opts)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer func() { _ = e.Close() }()
			if e.Job() != "42" || !e.owned {
				t.Errorf("Job() = %q, owned %v; want 42, owned", e.Job(), e.owned)
			}
			s := only(f.calls(t), "salloc")
			if len(s) != 1 {
				t.Fatalf("salloc called %d times, want once", len(s))
			}
			if !slices.Equal(s[0].args, tc.want) {
				t.Errorf("salloc %q\nwant   %q", s[0].args, tc.want)
			}
			if !log.has("slurm: asking for an allocation: " + f.bin + "/salloc " + strings.Join(tc.want, " ")) {
				t.Errorf("debug %q: no word of the request", log.all())
			}
			if !log.has("slurm: allocation 42 granted in ") {
				t.Errorf("debug %q: no word of the grant", log.all())
			}
		})
	}
}

// TestSallocGranted: the allocation's id is the granted one, whatever
// salloc said before (a pending id, queue messages, other numbers).
func TestSallocGranted(t *testing.T) {
	for _, tc := range []struct{ name, script, want string }{
		{"at once", `echo "salloc: Granted job allocation 7" >&2`, "7"},
		{"after pending", `echo "salloc: Pending job allocation 8" >&2
echo "salloc: job 8 queued and waiting for resources" >&2
echo "salloc: Granted job allocation 8" >&2`, "8"},
		{"other numbers first", `echo "salloc: Required node not available (down, drained or reserved) for 3 nodes" >&2
echo "salloc: Granted job allocation 123456789" >&2`, "123456789"},
		{"said twice", `echo "salloc: Granted job allocation 9" >&2; echo "salloc: Granted job allocation 9" >&2`, "9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			log := &debugLog{}
			script := tc.script + "\ncat\necho \"salloc: Relinquishing job allocation " + tc.want + "\" >&2"
			e, err := Open(context.Background(), Options{Env: f.env("FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+script),
				Size: 1, Debug: log.debugf})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if e.Job() != tc.want {
				t.Errorf("Job() = %q, want %q", e.Job(), tc.want)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if sc := only(f.calls(t), "scancel"); len(sc) != 1 || !slices.Equal(sc[0].args, []string{tc.want}) {
				t.Errorf("scancel calls %v, want one of %s", sc, tc.want)
			}
			// salloc's last words are logged before Close returns.
			if want := "slurm: salloc: Relinquishing job allocation " + tc.want; !slices.Contains(log.all(), want) {
				t.Errorf("debug %q lacks %q", log.all(), want)
			}
		})
	}
}

// TestSallocFails: salloc ending without an allocation is Open's error,
// with salloc's last line, and nothing is left to release.
func TestSallocFails(t *testing.T) {
	for _, tc := range []struct{ name, script, want string }{
		{"error", `echo "salloc: error: invalid partition specified: nope" >&2; exit 1`,
			"slurm: salloc: error: invalid partition specified: nope"},
		{"last line", `echo "salloc: Pending job allocation 5" >&2
echo "salloc: error: Job submit/allocate failed: Invalid account or account/partition combination specified" >&2; exit 1`,
			"slurm: salloc: error: Job submit/allocate failed: Invalid account or account/partition combination specified"},
		{"silent", `exit 1`, "slurm: salloc ended without an allocation"},
		{"killed", `kill -KILL $$`, "slurm: salloc ended without an allocation"},
		// The line comes after salloc ended (a process it left still
		// held its standard error): it is still the message.
		{"late line", `p=$$
(while kill -0 $p 2>/dev/null; do sleep 0.01; done; sleep 0.05; echo "salloc: error: late reason" >&2) &
exit 1`, "slurm: salloc: error: late reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			log := &debugLog{}
			e, err := Open(context.Background(), Options{Env: f.env("FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+tc.script),
				Size: 1, Debug: log.debugf})
			if e != nil || err == nil || err.Error() != tc.want {
				t.Fatalf("Open = %v, %v; want the error %q", e, err, tc.want)
			}
			c := f.calls(t)
			if len(only(c, "scancel")) != 0 || len(only(c, "srun")) != 0 {
				t.Errorf("calls %v: nothing to cancel or sweep", c)
			}
			if s := only(c, "salloc"); len(s) != 1 || !reaped(s[0].pid) {
				t.Errorf("salloc %v not reaped", s)
			}
			// What salloc said went to the debug log, before Open returned.
			lines := log.all()
			if msg := strings.TrimPrefix(tc.want, "slurm: "); msg != "salloc ended without an allocation" && !slices.Contains(lines, "slurm: "+msg) {
				t.Errorf("debug %q lacks %q", lines, "slurm: "+msg)
			}
		})
	}
}

// TestOpenCancelled: cancelling the context while salloc waits withdraws
// the request (scancel of the pending id, when salloc said it, then the
// end of salloc), and Open returns the context's cause.
func TestOpenCancelled(t *testing.T) {
	cause := errors.New("interrupted")
	// The id to withdraw is the first salloc names while it waits.
	for _, tc := range []struct{ name, lines, want string }{
		{"pending", "salloc: Pending job allocation 43\nsalloc: job 43 queued and waiting for resources\n", "43"},
		{"queued", "salloc: job 45 queued and waiting for resources\n", "45"},
		{"the first id", "salloc: Pending job allocation 46\nsalloc: job 47 queued and waiting for resources\n", "46"},
		{"no id", "salloc: Required node not available (down, drained or reserved) for 3 nodes\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			// Cancel on salloc's last line: the ones before, with the
			// id, have been read by then.
			log := &debugLog{on: func(line string) {
				if strings.HasSuffix(line, "salloc: still waiting") {
					cancel(cause)
				}
			}}
			script := "printf '%s' \"$FAKE_LINES\" >&2; echo 'salloc: still waiting' >&2; exec cat >/dev/null"
			e, err := Open(ctx, Options{Env: f.env("FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+script, "FAKE_LINES="+tc.lines),
				Size: 1, Debug: log.debugf})
			if e != nil || !errors.Is(err, cause) {
				t.Fatalf("Open = %v, %v; want the cause %v", e, err, cause)
			}
			c := f.calls(t)
			want := []string{"sinfo", "salloc"}
			if tc.want != "" {
				want = append(want, "scancel")
			}
			if got := names(c); !slices.Equal(got, want) {
				t.Fatalf("calls %v, want %v", c, want)
			}
			if tc.want != "" {
				if !slices.Equal(c[2].args, []string{tc.want}) {
					t.Errorf("scancel %q, want the pending id %s", c[2].args, tc.want)
				}
				if !log.has("slurm: scancel " + tc.want) {
					t.Errorf("debug %q: no word of the scancel", log.all())
				}
			}
			if !reaped(c[1].pid) {
				t.Errorf("salloc (pid %d) still there", c[1].pid)
			}
		})
	}
	t.Run("before salloc said anything", func(t *testing.T) {
		f := newFake(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		e, err := Open(ctx, Options{Env: f.env("FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT=exec cat >/dev/null"), Size: 1})
		if e != nil || !errors.Is(err, cause) {
			t.Fatalf("Open = %v, %v; want the cause %v", e, err, cause)
		}
		c := f.calls(t)
		if len(only(c, "scancel")) != 0 {
			t.Errorf("calls %v: no id to cancel", c)
		}
		// salloc may have been stopped before it recorded its call.
		if s := only(c, "salloc"); len(s) == 1 && !reaped(s[0].pid) {
			t.Errorf("salloc %v not reaped", s)
		}
	})
	t.Run("salloc ignores SIGTERM", func(t *testing.T) {
		shortBound(t, 200*time.Millisecond)
		f := newFake(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		log := &debugLog{on: func(line string) {
			if strings.Contains(line, "queued and waiting") {
				cancel(cause)
			}
		}}
		// Neither the end of its input nor SIGTERM stops it: SIGKILL to
		// its group after the bound does.
		script := `trap '' TERM
echo "salloc: Pending job allocation 44" >&2
echo "salloc: job 44 queued and waiting for resources" >&2
cat >/dev/null
exec sleep 1000`
		e, err := Open(ctx, Options{Env: f.env("FAKE_SALLOC=script", "FAKE_SALLOC_SCRIPT="+script), Size: 1, Debug: log.debugf})
		if e != nil || !errors.Is(err, cause) {
			t.Fatalf("Open = %v, %v; want the cause %v", e, err, cause)
		}
		c := f.calls(t)
		if got := names(c); !slices.Equal(got, []string{"sinfo", "salloc", "scancel"}) {
			t.Fatalf("calls %v, want sinfo, salloc, scancel", c)
		}
		if !reaped(c[1].pid) {
			t.Errorf("salloc (pid %d) still there", c[1].pid)
		}
	})
}
