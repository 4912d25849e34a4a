package runner

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/aiorun/aiorun/internal/jobfile"
)

// UnknownJobError is a job name on the command line that the file lacks.
type UnknownJobError struct {
	Name  string
	Known []string
}

func (e *UnknownJobError) Error() string {
	return fmt.Sprintf("unknown job %q; the file has: %s", e.Name, strings.Join(e.Known, ", "))
}

// node is one job of the plan, with the scheduler's state for it.
type node struct {
	job      *jobfile.Job
	order    int  // position in the plan: dependencies before dependents
	selected bool // part of the Result (named, or all)

	needs      []*node
	dependents []*node
	waiting    int // needs not yet succeeded

	state     state
	attempt   int // attempts started so far
	pid       int
	host      string
	slurmJob  string
	endSeq    int            // scheduler.ended when the running attempt was launched
	first     time.Time      // when the first attempt started
	stderr    io.WriteCloser // the running attempt's standard error
	stdout    io.WriteCloser // the running attempt's live standard output tee, if the reporter wants one
	stop      func(error)    // cancels the running attempt with a cause
	cancelled bool           // stop was called: a cancel file may exist
	live      bool           // the running attempt's process started
	timer     func() bool    // stops the pending timeout or retry timer
	result    attemptResult
}

type state int

const (
	waiting  state = iota // for its needs
	ready                 // queued for a worker
	running               // an attempt is running
	delayed               // between attempts
	finished              // reported
)

// plan is the selected jobs and everything they need, dependencies first.
type plan struct {
	nodes    []*node // dependencies before dependents; ties in selection order
	selected []*node // the Result's order: as named (a job named twice is here twice), or declaration order
}

// Select checks that every name is a job of f.
func Select(f *jobfile.File, names []string) error {
	for _, name := range names {
		if f.Job(name) == nil {
			return &UnknownJobError{Name: name, Known: f.Names()}
		}
	}
	return nil
}

// Closure returns names (every job when empty) and all they need,
// dependencies first.
func Closure(f *jobfile.File, names []string) []string {
	p := newPlan(f, names)
	out := make([]string, len(p.nodes))
	for i, n := range p.nodes {
		out[i] = n.job.Name
	}
	return out
}

// newPlan builds the plan for names (every job when empty). The file was
// validated: names exist and needs have no cycle.
func newPlan(f *jobfile.File, names []string) *plan {
	if len(names) == 0 {
		names = f.Names()
	}
	p := &plan{}
	byName := make(map[string]*node, len(names))
	var visit func(j *jobfile.Job) *node
	visit = func(j *jobfile.Job) *node {
		if n, ok := byName[j.Name]; ok {
			return n
		}
		n := &node{job: j}
		byName[j.Name] = n
		for _, need := range j.Needs {
			dep := visit(f.Job(need))
			n.needs = append(n.needs, dep)
			dep.dependents = append(dep.dependents, n)
		}
		n.waiting = len(n.needs)
		n.order = len(p.nodes)
		p.nodes = append(p.nodes, n)
		return n
	}
	for _, name := range names {
		// A job named twice runs once and is in the result twice, as
		// asyncio.gather(t, t) awaits one task twice.
		n := visit(f.Job(name))
		n.selected = true
		p.selected = append(p.selected, n)
	}
	return p
}

// readyQueue holds ready nodes, lowest plan order first, so that jobs
// start in a predictable order whatever order their needs finished in.
type readyQueue []*node

func (q *readyQueue) push(n *node) {
	i := sort.Search(len(*q), func(i int) bool { return (*q)[i].order > n.order })
	*q = append(*q, nil)
	copy((*q)[i+1:], (*q)[i:])
	(*q)[i] = n
}

func (q *readyQueue) pop() *node {
	n := (*q)[0]
	*q = (*q)[1:]
	return n
}
