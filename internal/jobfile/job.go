package jobfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// jobKeys are the keys of a job mapping.
var jobKeys = []string{"run", "timeout", "env", "dir", "needs", "shield", "retries", "retry_delay", "host"}

const (
	maxRetries        = 1000
	defaultRetryDelay = time.Second
)

// jobs reads the jobs mapping into f.Jobs and f.index, in declaration
// order. The names that jobs need are checked later, by checkNeeds.
func (p *parser) jobs(f *File, kv pair) error {
	m, err := p.resolve(kv.value)
	if err != nil {
		return err
	}
	if m.Kind == yaml.ScalarNode && m.ShortTag() == nullTag {
		return p.errorf(kv.key, msgEmptyJobs)
	}
	if m.Kind != yaml.MappingNode {
		return p.errorf(kv.value, msgWrongType, "jobs", "a mapping of job names to jobs", describe(m))
	}
	entries, err := p.pairs(m, scope{kind: "job"})
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return p.errorf(kv.key, msgEmptyJobs)
	}
	f.Jobs = make([]*Job, len(entries))
	f.index = make(map[string]int, len(entries))
	p.needsAt = make([][]Pos, len(entries))
	jobs := make([]Job, len(entries)) // one allocation for all
	for i, e := range entries {
		j := &jobs[i]
		if p.needsAt[i], err = p.job(j, e); err != nil {
			return err
		}
		f.Jobs[i] = j
		f.index[j.Name] = i
	}
	return nil
}

// job reads one job into j: a command (the short form) or a mapping.
// needsAt holds the position of each of its needs.
func (p *parser) job(j *Job, kv pair) (needsAt []Pos, err error) {
	name := kv.key.Value
	if !validJobName(name) {
		return nil, p.errorf(kv.key, msgBadJobName, name)
	}
	*j = Job{Name: name, Pos: posOf(kv.key), RetryDelay: defaultRetryDelay}
	v, err := p.resolve(kv.value)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == nullTag:
		return nil, p.errorf(kv.key, msgNoRun, name)
	case v.Kind == yaml.ScalarNode:
		j.Run = v.Value
		if strings.TrimSpace(j.Run) == "" {
			return nil, p.errorf(kv.value, msgEmpty, "run")
		}
		return nil, nil
	case v.Kind == yaml.MappingNode:
		return p.jobFields(j, kv.key, v)
	}
	return nil, p.errorf(kv.value, msgWrongType, "job "+strconv.Quote(name), "a command or a mapping", describe(v))
}

// jobFields reads the keys of a job mapping m into j.
func (p *parser) jobFields(j *Job, key, m *yaml.Node) (needsAt []Pos, err error) {
	entries, err := p.pairs(m, scope{kind: "key", job: j.Name})
	if err != nil {
		return nil, err
	}
	haveRun := false
	for _, kv := range entries {
		switch kv.key.Value {
		case "run":
			haveRun = true
			j.Run, err = p.run(kv)
		case "timeout":
			j.Timeout, err = p.timeout(kv)
		case "env":
			j.Env, err = p.env(kv, j.Name)
		case "dir":
			var d dirCheck
			d, err = p.dir(kv)
			j.Dir = d.resolved
			p.dirs = append(p.dirs, jobDir{j, d})
		case "host":
			j.Host, err = p.nonEmptyText(kv, "a host name")
			j.HostPos = posOf(kv.value)
		case "needs":
			j.Needs, needsAt, err = p.needs(j.Name, kv)
		case "shield":
			j.Shield, err = p.boolean(kv)
		case "retries":
			j.Retries, err = p.integer(kv, 0, maxRetries)
		case "retry_delay":
			j.RetryDelay, err = p.retryDelay(kv)
		default:
			err = p.errorf(kv.key, msgUnknownKeyIn, kv.key.Value, j.Name, hint(kv.key.Value, jobKeys, ""))
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveRun {
		return nil, p.errorf(key, msgNoRun, j.Name)
	}
	return needsAt, nil
}

// run is the job's shell command; null or blank is empty.
func (p *parser) run(kv pair) (string, error) {
	v, err := p.resolve(kv.value)
	if err != nil {
		return "", err
	}
	switch {
	case v.Kind != yaml.ScalarNode:
		return "", p.errorf(kv.value, msgWrongType, "run", "a shell command", describe(v))
	case v.ShortTag() == nullTag || strings.TrimSpace(v.Value) == "":
		return "", p.errorf(kv.value, msgEmpty, "run")
	}
	return v.Value, nil
}

// timeout is a duration greater than 0.
func (p *parser) timeout(kv pair) (time.Duration, error) {
	d, v, err := p.duration(kv)
	if err == nil && d <= 0 {
		err = p.errorf(kv.value, msgWrongType, kv.key.Value, "a duration greater than 0", describe(v))
	}
	return d, err
}

// retryDelay is a duration of 0 or more.
func (p *parser) retryDelay(kv pair) (time.Duration, error) {
	d, v, err := p.duration(kv)
	if err == nil && d < 0 {
		err = p.errorf(kv.value, msgWrongType, kv.key.Value, "a duration of 0 or more", describe(v))
	}
	return d, err
}

// dirCheck is a job's dir as written, resolved on this machine, and what
// is wrong with it here; placeJobs decides which applies.
type dirCheck struct {
	written  string
	resolved string // absolute and clean
	err      *Error // it does not exist here, or is no directory
}

// dir is the job's working directory: absolute and clean, relative paths
// taken from the job file's directory. It must exist and be a directory
// where jobs run on this machine (placeJobs); for the ssh executor it is
// kept as written, relative to the remote login directory.
func (p *parser) dir(kv pair) (dirCheck, error) {
	s, err := p.nonEmptyText(kv, "a directory path")
	if err != nil {
		return dirCheck{}, err
	}
	path, resolved := s, ""
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.baseDir, path)
		resolved = " (resolved to " + path + ")"
	}
	path = filepath.Clean(path)
	d := dirCheck{written: s, resolved: path}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.err = p.errorf(kv.value, msgDirMissing, s, resolved)
	case err != nil:
		d.err = p.errorf(kv.value, msgDirStat, s, unwrapPathError(err))
	case !fi.IsDir():
		d.err = p.errorf(kv.value, msgDirNotDir, s)
	}
	return d, nil
}

// needs reads the names a job awaits: one name, or a sequence of names.
// A job that needs itself, or a name twice, is an error here; names that
// are not jobs are found by checkNeeds.
func (p *parser) needs(job string, kv pair) (names []string, at []Pos, err error) {
	v, err := p.resolve(kv.value)
	if err != nil {
		return nil, nil, err
	}
	items := []*yaml.Node{kv.value}
	switch {
	case v.Kind == yaml.ScalarNode && v.ShortTag() == nullTag:
		return nil, nil, nil
	case v.Kind == yaml.SequenceNode:
		items = v.Content
	case v.Kind != yaml.ScalarNode:
		return nil, nil, p.errorf(kv.value, msgWrongType, "needs", "a job name or a list of job names", describe(v))
	}
	seen := newNameSet(len(items))
	for _, item := range items {
		n, err := p.resolve(item)
		if err != nil {
			return nil, nil, err
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() == nullTag {
			return nil, nil, p.errorf(item, msgWrongType, "needs", "a job name", describe(n))
		}
		name := n.Value
		if name == job {
			return nil, nil, p.errorf(item, msgNeedsSelf, job)
		}
		if first, dup := seen.add(name, posOf(item)); dup {
			return nil, nil, p.errorf(item, msgNeedsTwice, job, name, first.Line, first.Col)
		}
		names = append(names, name)
		at = append(at, posOf(item))
	}
	return names, at, nil
}
