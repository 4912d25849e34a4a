package jobfile

import (
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// aliasBudget bounds how many nodes the aliases of one file may expand
// to, counted as the size of the aliased node each time an alias is
// followed. yaml.v3's Node API shares aliased nodes instead of copying
// them, so a "billion laughs" file parses into a small tree; only
// following its aliases (and merge keys, which nest them) would blow up.
// There is no separate cap on the number of aliases: 20,000 jobs that each
// say `env: *common` are a sane file, and cost 20,000 times the size of
// the common mapping.
const aliasBudget = 1_000_000

// Short tags of the scalar types yaml.v3 resolves.
const (
	nullTag  = "!!null"
	boolTag  = "!!bool"
	intTag   = "!!int"
	floatTag = "!!float"
	mergeTag = "!!merge"
)

// parser is the state of one Parse.
type parser struct {
	name    string             // the file's name, for messages
	baseDir string             // absolute; relative dirs are resolved against it
	budget  int                // nodes aliases may still expand to
	sizes   map[*yaml.Node]int // node counts of aliased nodes, once counted
	merging []*yaml.Node       // mappings whose merge keys are being expanded
	needsAt [][]Pos            // per job: the position of each of its needs
	noShell *Error             // the shell is not on this machine's PATH
	dirs    []jobDir           // each job's dir, in file order
}

// errorf is the problem at node n.
func (p *parser) errorf(n *yaml.Node, format string, args ...any) *Error {
	return newError(p.name, posOf(n), nil, format, args...)
}

// resolve follows n when it is an alias, charging the size of the node it
// names to the alias budget.
func (p *parser) resolve(n *yaml.Node) (*yaml.Node, error) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		p.budget -= p.size(n.Alias)
		if p.budget < 0 {
			return nil, p.errorf(n, msgAliasBomb)
		}
		n = n.Alias
	}
	return n, nil
}

// size is the number of nodes in the tree under n, aliases counted as one
// node each.
func (p *parser) size(n *yaml.Node) int {
	if s, ok := p.sizes[n]; ok {
		return s
	}
	s := treeSize(n)
	if p.sizes == nil {
		p.sizes = make(map[*yaml.Node]int)
	}
	p.sizes[n] = s
	return s
}

func treeSize(n *yaml.Node) int {
	s := 1
	for _, c := range n.Content {
		s += treeSize(c)
	}
	return s
}

// pair is one key: value entry of a mapping.
type pair struct {
	key   *yaml.Node // a scalar; its Value is the name
	value *yaml.Node // as written: it may be an alias
}

// scope says what the keys of a mapping are, for duplicate messages:
// kind "job", "key" or "env", and the job they belong to, if any.
type scope struct{ kind, job string }

// label names key in its scope: `job "a"`, `key "run" in job "a"`.
func (s scope) label(key string) string {
	l := s.kind + " " + strconv.Quote(key)
	if s.job != "" {
		l += " in job " + strconv.Quote(s.job)
	}
	return l
}

// pairs returns the entries of mapping m in order, with YAML merge keys
// (`<<: *defaults`, or `<<: [*a, *b]`) expanded where they stand: an
// entry of a merged mapping is left out when m has the key itself or an
// earlier merged mapping had it, as the merge key type specifies. A key
// given twice in m itself is an error, reported at its second place.
func (p *parser) pairs(m *yaml.Node, sc scope) ([]pair, error) {
	seen := newNameSet(len(m.Content) / 2)
	written := make([]pair, 0, len(m.Content)/2) // merge keys included
	merges := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, err := p.key(m.Content[i])
		if err != nil {
			return nil, err
		}
		written = append(written, pair{key: k, value: m.Content[i+1]})
		if isMergeKey(k) {
			merges = true
			continue
		}
		if first, dup := seen.add(k.Value, posOf(k)); dup {
			return nil, p.errorf(k, msgDuplicate, sc.label(k.Value), first.Line, first.Col)
		}
	}
	if !merges {
		return written, nil
	}
	out := make([]pair, 0, len(written))
	for _, e := range written {
		if !isMergeKey(e.key) {
			out = append(out, e)
			continue
		}
		merged, err := p.merged(e.value, sc)
		if err != nil {
			return nil, err
		}
		for _, m := range merged {
			if _, dup := seen.add(m.key.Value, posOf(m.key)); !dup {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// isMergeKey reports whether k is the merge key: a plain `<<`, not a
// quoted one.
func isMergeKey(k *yaml.Node) bool { return k.ShortTag() == mergeTag }

// key resolves a mapping key, which must be a scalar.
func (p *parser) key(n *yaml.Node) (*yaml.Node, error) {
	k, err := p.resolve(n)
	if err != nil {
		return nil, err
	}
	if k.Kind != yaml.ScalarNode {
		return nil, p.errorf(n, msgWrongType, "key", "a name", describe(k))
	}
	return k, nil
}

// merged returns the entries a merge key's value brings in: those of one
// mapping, or of each mapping of a sequence, earlier ones first.
func (p *parser) merged(v *yaml.Node, sc scope) ([]pair, error) {
	n, err := p.resolve(v)
	if err != nil {
		return nil, err
	}
	const want = "a mapping or a list of mappings"
	switch n.Kind {
	case yaml.MappingNode:
		return p.mergedMapping(v, n, sc)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range n.Content {
			m, err := p.resolve(item)
			if err != nil {
				return nil, err
			}
			if m.Kind != yaml.MappingNode {
				return nil, p.errorf(item, msgWrongType, "<<", want, describe(m))
			}
			entries, err := p.mergedMapping(item, m, sc)
			if err != nil {
				return nil, err
			}
			out = append(out, entries...)
		}
		return out, nil
	}
	return nil, p.errorf(v, msgWrongType, "<<", want, describe(n))
}

// mergedMapping returns the entries of mapping m, named by the node ref
// (an alias, or m itself), refusing a mapping that merges itself.
func (p *parser) mergedMapping(ref, m *yaml.Node, sc scope) ([]pair, error) {
	if slices.Contains(p.merging, m) {
		return nil, p.errorf(ref, msgMergeCycle, m.Anchor)
	}
	p.merging = append(p.merging, m)
	defer func() { p.merging = p.merging[:len(p.merging)-1] }()
	return p.pairs(m, sc)
}

// nameSet remembers names and where each was first seen. Most mappings
// are small (a job's keys, its needs), and a scan of a few names is cheaper
// than a map; the map is made when the names grow past smallSet.
type nameSet struct {
	names []string
	pos   []Pos
	index map[string]int
}

const smallSet = 16

// newNameSet is a set for about n names.
func newNameSet(n int) *nameSet {
	s := &nameSet{names: make([]string, 0, n), pos: make([]Pos, 0, n)}
	if n > smallSet {
		s.index = make(map[string]int, n)
	}
	return s
}

// add records name at pos, or reports where it was first seen.
func (s *nameSet) add(name string, pos Pos) (first Pos, dup bool) {
	if i, ok := s.find(name); ok {
		return s.pos[i], true
	}
	s.names = append(s.names, name)
	s.pos = append(s.pos, pos)
	switch {
	case s.index != nil:
		s.index[name] = len(s.names) - 1
	case len(s.names) > smallSet:
		s.index = make(map[string]int, 2*len(s.names))
		for i, n := range s.names {
			s.index[n] = i
		}
	}
	return Pos{}, false
}

// find returns the index of name in names.
func (s *nameSet) find(name string) (int, bool) {
	if s.index != nil {
		i, ok := s.index[name]
		return i, ok
	}
	i := slices.Index(s.names, name)
	return i, i >= 0
}
