// Package jobfile reads and validates a job file (SPEC §2 and §8) into a
// File whose jobs keep their declaration order and their line:column
// positions. It uses yaml.v3's Node API, never decoding into maps, so
// order and positions survive; every problem is an *Error that prints as
// FILE:LINE:COL: message (FILE: message for the file as a whole). It
// starts nothing and prints nothing.
//
// Beyond the keys of the SPEC, a file may use YAML anchors, aliases and
// merge keys (`<<: *defaults`, explicit keys winning), and top-level keys
// that start with "x-", which are ignored: they give anchors a home, as in
// docker compose. A file is refused before parsing when larger than
// 16 MiB, and while being read when its aliases expand past a budget
// (alias bombs). Syntax errors are placed at the mistake, not at the line
// yaml.v3 names (see syntax.go).
package jobfile

import (
	"fmt"
	"time"
)

// File is a loaded, valid job file.
type File struct {
	// Path names the file in messages: as the user gave it, or "<stdin>".
	Path string
	// Dir is the directory a job's relative dir is resolved against: the
	// file's own directory (the current directory for stdin).
	Dir string
	// Digest identifies the file's content (hex SHA-256), for the
	// recursion guard.
	Digest string

	Version int      // 1
	Shell   string   // "sh" unless set
	Env     []EnvVar // top-level env, in file order
	Jobs    []*Job   // declaration order

	// Where the jobs run (SPEC §9; see remote.go).
	Executor    string   // "local", "ssh" or "slurm" as the file says; "" when it does not
	ExecutorPos Pos      // of the executor value
	SSHCommand  string   // ssh_command; "" when not set
	Hosts       []string // hosts, as written
	HostsPos    []Pos    // the position of each entry of Hosts
	SlurmArgs   []string // slurm.args

	index map[string]int // job name -> index in Jobs
}

// EnvVar is one environment entry, in file order.
type EnvVar struct {
	Name, Value string
}

// Pos is a position in the file, 1-based.
type Pos struct{ Line, Col int }

// Job is one job of the file.
type Job struct {
	Name       string
	Run        string
	Timeout    time.Duration // 0: none
	Env        []EnvVar
	Dir        string // absolute, checked to exist; as written for the ssh executor; "" when not set
	Host       string // the host it is pinned to (ssh); "" when not set
	HostPos    Pos    // of the host value
	Needs      []string
	Shield     bool
	Retries    int
	RetryDelay time.Duration // default 1s
	Pos        Pos           // of the job's name
}

// Job returns the job named name, or nil.
func (f *File) Job(name string) *Job {
	if i, ok := f.index[name]; ok {
		return f.Jobs[i]
	}
	return nil
}

// Names returns the job names in declaration order.
func (f *File) Names() []string {
	names := make([]string, len(f.Jobs))
	for i, j := range f.Jobs {
		names[i] = j.Name
	}
	return names
}

// Error is a problem in the job file, at a position.
type Error struct {
	File string
	Pos  Pos // zero when the problem has no position (the file as a whole)
	Msg  string
	// Err is the operating system's error behind a whole-file problem
	// (fs.ErrNotExist for a missing file, ...), nil otherwise.
	Err error
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// Unwrap returns Err, so that errors.Is(err, fs.ErrNotExist) tells a
// missing file from a broken one.
func (e *Error) Unwrap() error { return e.Err }
