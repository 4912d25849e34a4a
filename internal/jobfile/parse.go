package jobfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxSize is the largest job file accepted, in bytes.
const maxSize = 16 << 20

// topKeys are the keys of the file's top-level mapping. Keys that start
// with "x-" are extension fields and are ignored, as in docker compose:
// they give anchors a home (`x-defaults: &defaults {timeout: 5s}`).
var topKeys = []string{"version", "shell", "env", "jobs", "executor", "ssh_command", "hosts", "slurm"}

// topKeysShown lists the top-level keys in an unknown-key message.
const topKeysShown = "version, shell, env, jobs, executor, ssh_command, hosts, slurm, x-*"

// Parse validates data, the content of the job file named name (as it
// appears in messages), and returns it as a File. Relative job dirs are
// resolved against dir, which is made absolute. Every problem is an
// *Error: with a position for the content, without one for the file as a
// whole (too large). Parse checks that each job's dir exists and that the
// shell is on PATH, and starts nothing.
func Parse(name string, data []byte, dir string) (*File, error) {
	return ParseWith(name, data, dir, LoadOptions{})
}

// ParseWith is Parse for the executor o names: the checks against this
// machine (the shell on PATH, each dir existing) are made only for the
// executors that run jobs here (see LoadOptions).
func ParseWith(name string, data []byte, dir string, o LoadOptions) (*File, error) {
	if len(data) > maxSize {
		return nil, newError(name, Pos{}, nil, msgTooLarge, strconv.Itoa(len(data)))
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, newError(name, Pos{}, err, "%v", err)
	}
	if off, msg, ok := checkText(data); !ok {
		return nil, newError(name, posAt(data, off), nil, "%s", msg)
	}
	doc, extra, err := decodeDocuments(bytes.NewReader(data))
	switch {
	case err != nil:
		return nil, syntaxError(name, data, err, searchBudget)
	case extra != nil:
		return nil, newError(name, posOf(extra), nil, msgSecondDoc)
	case doc == nil || isEmptyDocument(doc):
		return nil, newError(name, Pos{Line: 1, Col: 1}, nil, msgEmptyFile)
	}
	p := &parser{name: name, baseDir: absDir, budget: aliasBudget}
	f, err := p.file(doc.Content[0])
	if err != nil {
		return nil, err
	}
	if err := p.placeJobs(f, o); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	f.Path, f.Dir, f.Digest = name, absDir, hex.EncodeToString(sum[:])
	return f, nil
}

// decodeDocuments parses the one YAML document of a job file: doc is nil
// for a file without any (empty, or only comments), and extra is the first
// later document that holds anything. An empty later document (a trailing
// "---") is allowed.
func decodeDocuments(r io.Reader) (doc, extra *yaml.Node, err error) {
	dec := yaml.NewDecoder(r)
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			return &first, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if !isEmptyDocument(&next) {
			return &first, &next, nil
		}
	}
}

// isEmptyDocument reports whether doc holds nothing: no node was written
// after its "---" (yaml.v3 gives it an implicit, untagged, empty null).
func isEmptyDocument(doc *yaml.Node) bool {
	if len(doc.Content) != 1 {
		return len(doc.Content) == 0
	}
	n := doc.Content[0]
	return n.Kind == yaml.ScalarNode && n.ShortTag() == nullTag && n.Value == "" && n.Anchor == "" && n.Style == 0
}

// file reads the top-level mapping.
func (p *parser) file(root *yaml.Node) (*File, error) {
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root, msgWrongType, "job file", `a mapping with a "jobs" key`, describe(root))
	}
	entries, err := p.pairs(root, scope{kind: "key"})
	if err != nil {
		return nil, err
	}
	f := &File{Version: 1, Shell: "sh"}
	haveJobs := false
	for _, kv := range entries {
		switch name := kv.key.Value; {
		case name == "version":
			err = p.version(kv)
		case name == "shell":
			f.Shell, err = p.shell(kv)
		case name == "env":
			f.Env, err = p.env(kv, "")
		case name == "jobs":
			haveJobs = true
			err = p.jobs(f, kv)
		case name == "executor", name == "ssh_command", name == "hosts", name == "slurm":
			err = p.remoteKey(f, kv)
		case strings.HasPrefix(name, "x-"):
		default:
			err = p.errorf(kv.key, msgUnknownKey, name, hint(name, topKeys, topKeysShown))
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveJobs {
		return nil, p.errorf(root, msgNoJobs)
	}
	if err := p.checkNeeds(f); err != nil {
		return nil, err
	}
	return f, nil
}

// version checks that the version, when given, is the integer 1.
func (p *parser) version(kv pair) error {
	v, err := p.scalarValue(kv, "1")
	if err != nil {
		return err
	}
	if n, ok := yamlInt(v); !ok || n != 1 {
		return p.errorf(kv.value, msgWrongType, "version", "1", describe(v))
	}
	return nil
}

// shell is the program that runs each command, which must be on PATH.
func (p *parser) shell(kv pair) (string, error) {
	s, err := p.nonEmptyText(kv, "a program name")
	if err != nil {
		return "", err
	}
	if _, err := exec.LookPath(s); err != nil {
		// Only an error where jobs run on this machine (placeJobs).
		p.noShell = p.errorf(kv.value, msgShellPath, s)
	}
	return s, nil
}

// env reads an env mapping: the file's (job "") or a job's. Null, like
// an empty mapping, is no entries (nil).
func (p *parser) env(kv pair, job string) ([]EnvVar, error) {
	v, err := p.resolve(kv.value)
	if err != nil {
		return nil, err
	}
	if v.Kind == yaml.ScalarNode && v.ShortTag() == nullTag {
		return nil, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, p.errorf(kv.value, msgWrongType, "env", "a mapping of NAME: value", describe(v))
	}
	entries, err := p.pairs(v, scope{kind: "env", job: job})
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	vars := make([]EnvVar, 0, len(entries))
	for _, e := range entries {
		name := e.key.Value
		if !validEnvName(name) {
			return nil, p.errorf(e.key, msgBadEnvName, name)
		}
		value, err := p.resolve(e.value)
		if err != nil {
			return nil, err
		}
		if value.Kind != yaml.ScalarNode || value.ShortTag() == nullTag {
			return nil, p.errorf(e.value, msgWrongType, "env "+strconv.Quote(name), "a string", describe(value))
		}
		vars = append(vars, EnvVar{Name: name, Value: value.Value})
	}
	return vars, nil
}

// validEnvName reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func validEnvName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || isLetter(c) || i > 0 && isDigit(c)) {
			return false
		}
	}
	return s != ""
}

// validJobName reports whether s matches [A-Za-z0-9][A-Za-z0-9_.-]*.
func validJobName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || isDigit(c) || i > 0 && (c == '_' || c == '.' || c == '-')) {
			return false
		}
	}
	return s != ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
