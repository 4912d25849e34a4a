package jobfile

import (
	"fmt"
	"strings"
)

// ValueVar is the environment variable that carries the value of the job
// named name to the jobs that need it: AIORUN_VALUE_ and the name
// upper-cased, with every character outside A-Z and 0-9 replaced by "_".
func ValueVar(name string) string {
	var b strings.Builder
	b.Grow(len("AIORUN_VALUE_") + len(name))
	b.WriteString("AIORUN_VALUE_")
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// checkNeeds checks what the jobs of f need, once every job is known:
// each name is a job, no two of one job's needs share a value variable,
// and there is no cycle. Problems are reported in declaration order.
func (p *parser) checkNeeds(f *File) error {
	total := 0
	for _, j := range f.Jobs {
		total += len(j.Needs)
	}
	edges := make([][]int, len(f.Jobs)) // the index of each need of each job
	all := make([]int, 0, total)        // edges' backing array
	for i, j := range f.Jobs {
		start := len(all)
		for k, name := range j.Needs {
			to, ok := f.index[name]
			if !ok {
				return newError(p.name, p.needsAt[i][k], nil, msgNeedsUnknown, j.Name, name, didYouMean(name, f.Names()))
			}
			all = append(all, to)
		}
		edges[i] = all[start:len(all):len(all)]
		if err := p.checkValueVars(j, p.needsAt[i]); err != nil {
			return err
		}
	}
	return p.checkCycles(f, edges)
}

// didYouMean is the " (did you mean ...)" suffix for an unknown job name,
// or "".
func didYouMean(name string, names []string) string {
	if s := suggest(name, names); s != "" {
		return fmt.Sprintf(msgDidYouMean, s)
	}
	return ""
}

// checkValueVars reports two needs of j whose values would land in one
// environment variable, at the second of them.
func (p *parser) checkValueVars(j *Job, at []Pos) error {
	if len(j.Needs) < 2 {
		return nil
	}
	first := make(map[string]string, len(j.Needs))
	for k, name := range j.Needs {
		v := ValueVar(name)
		if other, ok := first[v]; ok {
			return newError(p.name, at[k], nil, msgNeedsSameVar, other, name, v)
		}
		first[v] = name
	}
	return nil
}

// checkCycles reports a dependency cycle in the graph of edges (job index
// to the indices of its needs). It walks the jobs depth first in
// declaration order, each job's needs in the order written, so the cycle
// found is always the same one; the message starts the cycle at its job
// declared first and points at that job's need that leads around it.
func (p *parser) checkCycles(f *File, edges [][]int) error {
	const (
		unvisited = iota
		onPath
		done
	)
	state := make([]uint8, len(f.Jobs))
	var path []step
	for root := range f.Jobs {
		if state[root] != unvisited {
			continue
		}
		path = append(path[:0], step{job: root})
		state[root] = onPath
		for len(path) > 0 {
			top := &path[len(path)-1]
			if top.next == len(edges[top.job]) {
				state[top.job] = done
				path = path[:len(path)-1]
				continue
			}
			to := edges[top.job][top.next]
			top.next++
			switch state[to] {
			case unvisited:
				state[to] = onPath
				path = append(path, step{job: to})
			case onPath:
				return p.cycleError(f, path, to)
			}
		}
	}
	return nil
}

// step is a job on the path of checkCycles' walk, and the index of the
// need it follows next.
type step struct{ job, next int }

// cycleError describes the cycle that closes at job to: the end of path
// from to's step on, each step having just followed its need next-1.
func (p *parser) cycleError(f *File, path []step, to int) error {
	start := 0
	for path[start].job != to {
		start++
	}
	cycle := path[start:]
	first := 0 // the cycle's job declared first
	for i, s := range cycle {
		if s.job < cycle[first].job {
			first = i
		}
	}
	names := make([]string, 0, len(cycle)+1)
	for i := range cycle {
		names = append(names, f.Jobs[cycle[(first+i)%len(cycle)].job].Name)
	}
	names = append(names, names[0])
	s := cycle[first]
	return newError(p.name, p.needsAt[s.job][s.next-1], nil, msgNeedsCycle, strings.Join(names, " -> "))
}
