package jobfile

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Executors are the values of the executor key (SPEC §9), the default
// first.
var Executors = []string{"local", "ssh", "slurm"}

// slurmKeys are the keys of the slurm mapping.
var slurmKeys = []string{"args"}

// LoadOptions say which executor a file is loaded for. The settings of
// SPEC §1 rank flag > environment > job file > config file > default, so
// the executor key of the file sits between Executor and
// DefaultExecutor.
type LoadOptions struct {
	// Executor, when set, wins over the file's executor key (--executor,
	// AIORUN_EXECUTOR).
	Executor string
	// DefaultExecutor is used when neither Executor nor the file names one
	// (the config file's executor); "" is local.
	DefaultExecutor string
}

// ExecutorOf is the executor f's jobs run on under o: o.Executor, else
// the file's executor key, else o.DefaultExecutor, else "local".
func (o LoadOptions) ExecutorOf(f *File) string {
	switch {
	case o.Executor != "":
		return o.Executor
	case f.Executor != "":
		return f.Executor
	case o.DefaultExecutor != "":
		return o.DefaultExecutor
	}
	return "local"
}

// remoteKey reads one of the top-level keys of SPEC §9: executor,
// ssh_command, hosts, slurm.
func (p *parser) remoteKey(f *File, kv pair) error {
	var err error
	switch kv.key.Value {
	case "executor":
		f.Executor, err = p.executor(kv)
		f.ExecutorPos = posOf(kv.value)
	case "ssh_command":
		f.SSHCommand, err = p.nonEmptyText(kv, "an ssh command")
	case "hosts":
		f.Hosts, f.HostsPos, err = p.textList(kv, "hosts", "a list of hosts", "a host")
	case "slurm":
		f.SlurmArgs, err = p.slurm(kv)
	}
	return err
}

// executor is one of Executors.
func (p *parser) executor(kv pair) (string, error) {
	const want = "local, ssh or slurm"
	v, err := p.scalarValue(kv, want)
	if err != nil {
		return "", err
	}
	for _, e := range Executors {
		if v.Value == e {
			return e, nil
		}
	}
	msg := fmt.Sprintf(msgWrongType, "executor", want, describe(v))
	if s := suggest(v.Value, Executors); s != "" {
		msg += fmt.Sprintf(msgDidYouMean, s)
	}
	return "", p.errorf(kv.value, "%s", msg)
}

// textList is a sequence of non-empty strings (null: none), with the
// position of each.
func (p *parser) textList(kv pair, key, want, wantItem string) ([]string, []Pos, error) {
	v, err := p.resolve(kv.value)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == nullTag:
		return nil, nil, nil
	case v.Kind != yaml.SequenceNode:
		return nil, nil, p.errorf(kv.value, msgWrongType, key, want, describe(v))
	}
	items := make([]string, 0, len(v.Content))
	at := make([]Pos, 0, len(v.Content))
	for _, item := range v.Content {
		n, err := p.resolve(item)
		if err != nil {
			return nil, nil, err
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() == nullTag {
			return nil, nil, p.errorf(item, msgWrongType, key, wantItem, describe(n))
		}
		if n.Value == "" {
			return nil, nil, p.errorf(item, msgEmpty, key+" entry")
		}
		items = append(items, n.Value)
		at = append(at, posOf(item))
	}
	return items, at, nil
}

// slurm reads the slurm mapping: {args: [ARG...]}.
func (p *parser) slurm(kv pair) ([]string, error) {
	v, err := p.resolve(kv.value)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == nullTag:
		return nil, nil
	case v.Kind != yaml.MappingNode:
		return nil, p.errorf(kv.value, msgWrongType, "slurm", "a mapping with args", describe(v))
	}
	entries, err := p.pairs(v, scope{kind: "key", job: ""})
	if err != nil {
		return nil, err
	}
	var args []string
	for _, e := range entries {
		switch e.key.Value {
		case "args":
			args, _, err = p.textList(e, "slurm.args", "a list of salloc arguments", "an argument")
		default:
			err = p.errorf(e.key, msgUnknownKeyIn2, e.key.Value, "slurm", hint(e.key.Value, slurmKeys, ""))
		}
		if err != nil {
			return nil, err
		}
	}
	return args, nil
}

// placeJobs settles what depends on where the jobs run, once the whole
// file is read: on this machine (local) the shell must be on PATH and
// each dir must exist; under Slurm each dir must exist (a cluster shares
// its file systems) and the shell is looked up on the nodes; over ssh
// each dir is kept as written, relative to the remote login directory,
// and nothing is checked here.
func (p *parser) placeJobs(f *File, o LoadOptions) error {
	exec := o.ExecutorOf(f)
	if exec == "local" && p.noShell != nil {
		return p.noShell
	}
	for _, d := range p.dirs {
		switch {
		case exec == "ssh":
			d.job.Dir = d.written
		case d.err != nil:
			return d.err
		}
	}
	return nil
}

// jobDir is the dir of a job, for placeJobs.
type jobDir struct {
	job *Job
	dirCheck
}

// HostError is a job's host key that names no host of the run, for the
// command layer to report at its position (hosts may come from --hosts,
// so this is checked when the run starts, not when the file is read).
func HostError(f *File, j *Job, hosts []string) *Error {
	shown := ""
	for i, h := range hosts {
		if i > 0 {
			shown += ", "
		}
		shown += strconv.Quote(h)
	}
	if shown == "" {
		shown = "none"
	}
	return newError(f.Path, j.HostPos, nil, msgHostUnknown, j.Name, j.Host, shown)
}
