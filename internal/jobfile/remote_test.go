package jobfile

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseRemoteKeys(t *testing.T) {
	dir := parseDir(t)
	f, err := Parse("jobs.yaml", []byte(`executor: ssh
ssh_command: ssh -F ci/ssh_config
hosts: [4/build1, "ssh://ci@build2:2222", ":"]
slurm: {args: [--partition=short, --account=ci]}
shell: no-such-shell-here
jobs:
  a:
    run: make
    host: build1
    dir: remote/only
`), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := struct {
		Executor, SSHCommand string
		Hosts, SlurmArgs     []string
		HostsPos             []Pos
		Host, Dir            string
		HostPos              Pos
	}{"ssh", "ssh -F ci/ssh_config", []string{"4/build1", "ssh://ci@build2:2222", ":"}, []string{"--partition=short", "--account=ci"},
		[]Pos{{3, 9}, {3, 19}, {3, 43}}, "build1", "remote/only", Pos{9, 11}}
	j := f.Jobs[0]
	got := want
	got.Executor, got.SSHCommand, got.Hosts, got.SlurmArgs, got.HostsPos = f.Executor, f.SSHCommand, f.Hosts, f.SlurmArgs, f.HostsPos
	got.Host, got.Dir, got.HostPos = j.Host, j.Dir, j.HostPos
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestParseWhereJobsRun: the checks against this machine (shell on PATH,
// dir exists) apply to the executors that run jobs here, whichever
// setting names the executor; over ssh a dir is kept as written.
func TestParseWhereJobsRun(t *testing.T) {
	dir := parseDir(t)
	const missingDir = "jobs:\n  a:\n    run: x\n    dir: nowhere\n"
	const missingShell = "shell: no-such-shell-here\njobs: {a: x}\n"
	const subDir = "jobs:\n  a:\n    run: x\n    dir: sub\n"
	for _, tc := range []struct {
		name string
		yaml string
		o    LoadOptions
		err  string // "" for none
		dir  string // job a's Dir when no error
	}{
		{"local dir", missingDir, LoadOptions{}, `jobs.yaml:4:10: dir "nowhere" does not exist (resolved to ` + filepath.Join(dir, "nowhere") + `)`, ""},
		{"ssh dir from the file", "executor: ssh\n" + missingDir, LoadOptions{}, "", "nowhere"},
		{"ssh dir from the flag", missingDir, LoadOptions{Executor: "ssh"}, "", "nowhere"},
		{"ssh dir from the config", missingDir, LoadOptions{DefaultExecutor: "ssh"}, "", "nowhere"},
		{"flag local beats file ssh", "executor: ssh\n" + missingDir, LoadOptions{Executor: "local"}, `jobs.yaml:5:10: dir "nowhere" does not exist (resolved to ` + filepath.Join(dir, "nowhere") + `)`, ""},
		{"file local beats config ssh", "executor: local\n" + missingDir, LoadOptions{DefaultExecutor: "ssh"}, `jobs.yaml:5:10: dir "nowhere" does not exist (resolved to ` + filepath.Join(dir, "nowhere") + `)`, ""},
		{"slurm checks dirs", missingDir, LoadOptions{Executor: "slurm"}, `jobs.yaml:4:10: dir "nowhere" does not exist (resolved to ` + filepath.Join(dir, "nowhere") + `)`, ""},
		{"slurm resolves dirs", subDir, LoadOptions{Executor: "slurm"}, "", filepath.Join(dir, "sub")},
		{"ssh keeps dirs", subDir, LoadOptions{Executor: "ssh"}, "", "sub"},
		{"local shell", missingShell, LoadOptions{}, `jobs.yaml:1:8: shell "no-such-shell-here" not found in PATH`, ""},
		{"ssh shell", missingShell, LoadOptions{Executor: "ssh"}, "", ""},
		{"slurm shell", missingShell, LoadOptions{Executor: "slurm"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseWith("jobs.yaml", []byte(tc.yaml), dir, tc.o)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Fatalf("error %v, want %s", err, tc.err)
			case err == nil && f.Jobs[0].Dir != tc.dir:
				t.Errorf("dir %q, want %q", f.Jobs[0].Dir, tc.dir)
			}
		})
	}
}

func TestParseRemoteErrors(t *testing.T) {
	dir := parseDir(t)
	for _, tc := range []struct{ yaml, want string }{
		{"executor: sshh\njobs: {a: x}\n", `1:11: executor: want local, ssh or slurm, got "sshh" (did you mean "ssh"?)`},
		{"executor: [ssh]\njobs: {a: x}\n", `1:11: executor: want local, ssh or slurm, got a sequence`},
		{"executor: kubernetes\njobs: {a: x}\n", `1:11: executor: want local, ssh or slurm, got "kubernetes"`},
		{"hosts: h1,h2\njobs: {a: x}\n", `1:8: hosts: want a list of hosts, got "h1,h2"`},
		{"hosts: [h1, [h2]]\njobs: {a: x}\n", `1:13: hosts: want a host, got a sequence`},
		{"hosts: [h1, '']\njobs: {a: x}\n", `1:13: hosts entry is empty`},
		{"ssh_command: ''\njobs: {a: x}\n", `1:14: ssh_command is empty`},
		{"ssh_command: {a: b}\njobs: {a: x}\n", `1:14: ssh_command: want an ssh command, got a mapping`},
		{"slurm: [--partition=x]\njobs: {a: x}\n", `1:8: slurm: want a mapping with args, got a sequence`},
		{"slurm: {arg: [x]}\njobs: {a: x}\n", `1:9: unknown key "arg" in slurm (did you mean "args"?)`},
		{"slurm: {args: --partition=x}\njobs: {a: x}\n", `1:15: slurm.args: want a list of salloc arguments, got "--partition=x"`},
		{"sshcommand: ssh\njobs: {a: x}\n", `1:1: unknown key "sshcommand" (did you mean "ssh_command"?)`},
		{"host: [a]\njobs: {a: x}\n", `1:1: unknown key "host" (did you mean "hosts"?)`},
		{"jobs:\n  a:\n    run: x\n    hosts: h1\n", `4:5: unknown key "hosts" in job "a" (did you mean "host"?)`},
		{"jobs:\n  a:\n    run: x\n    host: [h1]\n", `4:11: host: want a host name, got a sequence`},
		{"jobs:\n  a:\n    run: x\n    host: ''\n", `4:11: host is empty`},
	} {
		_, err := Parse("jobs.yaml", []byte(tc.yaml), dir)
		if want := "jobs.yaml:" + tc.want; err == nil || err.Error() != want {
			t.Errorf("Parse(%q)\n got: %v\nwant: %s", tc.yaml, err, want)
		}
	}
}

func TestHostError(t *testing.T) {
	f := &File{Path: "jobs.yaml"}
	j := &Job{Name: "a", Host: "build9", HostPos: Pos{7, 11}}
	got := HostError(f, j, []string{"4/build1", "h2"}).Error()
	if want := `jobs.yaml:7:11: job "a": host "build9" is none of the run's hosts ("4/build1", "h2")`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
