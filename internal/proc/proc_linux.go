//go:build linux

package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// BecomeSubreaper makes this process a child subreaper (prctl
// PR_SET_CHILD_SUBREAPER) so that descendants that leave their job's
// process group (setsid, double fork) are reparented to aiorun and can
// still be found and killed. Called once by the command layer before jobs
// start.
func BecomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become a child subreaper: %w", err)
	}
	return nil
}

// localSys is the Linux part of a Local: the epoll reactor and the list of
// aiorun's children.
type localSys struct {
	r         *reactor
	children  childList
	self      procStat     // this process's own stat, read once
	inline    atomic.Int32 // jobs waiting in poll(2) on their own thread
	noPidfd   atomic.Bool  // no pidfds here (init's probe, or a start without one): every job uses the reactor
	maxInline int32        // inlineJobs (tests set 0: every job uses the reactor)
}

// inlineJobs is how many jobs at most wait in poll(2), each on a thread
// of its own, rather than through the reactor. A job that waits on its
// own thread goes from its leader's exit to the next job's start without a
// hand-off between threads (the reactor's goroutine, then the job's); a
// thread per job stops paying once many jobs run at once: thousands of
// sleepers share the reactor and a handful of threads.
const inlineJobs = 32

func (s *localSys) init(l *Local) error {
	r, err := newReactor()
	if err != nil {
		return err
	}
	s.r = r
	s.maxInline = inlineJobs
	if l.opts.NoInline {
		s.maxInline = 0
	}
	// A job waits inline on its pidfd: without CLONE_PIDFD (before Linux
	// 5.3), every job waits through the reactor and a waiter thread.
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err == nil {
		closeFds(fd)
	} else {
		s.noPidfd.Store(true)
	}
	s.children.init(l)
	if s.children.ok {
		s.self, _ = readStat(l.self)
	}
	return nil
}

// spawning reports whether child pid is a leader this process is starting:
// between fork (vfork: it still runs aiorun's code, and shows aiorun's name
// and environment) and execve, before Exec knows its pid.
func (s *localSys) spawning(st procStat, pid int) bool {
	return st.forkNoExec && st.comm == s.self.comm && st.pgrp == pid && st.sid == s.self.sid
}

func (s *localSys) close() error {
	s.children.close()
	return s.r.close()
}

// streamSys is a stream's system part: on Linux the reactor reads every
// pipe, so a stream needs nothing more (other systems read with a goroutine).
//
//lint:ignore U1000 embedded in stream, with fields on other systems
type streamSys struct{}

// jobSys is the Linux part of a job.
type jobSys struct {
	inline bool          // the job waits in poll(2) on its own thread (see inlineJobs)
	key    uint64        // the job's reactor registration; 0 when inline
	waiter chan struct{} // without a pidfd: closed when the exit waiter ends
}

// pipe creates a pipe whose ends are closed on exec.
func pipe(p []int) error { return unix.Pipe2(p, unix.O_CLOEXEC) }

// sysProcAttr starts a job in a session of its own (and so a process
// group of its own): it has no controlling terminal, so a job that opens
// /dev/tty (a password prompt) fails at once instead of stopping on SIGTTIN
// and hanging the run, and the terminal's signals reach aiorun alone.
func sysProcAttr(pidfd *int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, PidFD: pidfd}
}

// prepare makes the read ends non-blocking and, unless the job waits
// inline, watches them.
func (j *job) prepare() error {
	for _, s := range []*stream{&j.out, &j.errs} {
		// A fresh pipe's status flags are O_RDONLY: set, not or.
		if _, err := unix.FcntlInt(uintptr(s.fd), unix.F_SETFL, unix.O_NONBLOCK); err != nil {
			return fmt.Errorf("make a pipe non-blocking: %w", err)
		}
	}
	sys := &j.l.sys
	if !sys.noPidfd.Load() {
		if sys.inline.Add(1) <= sys.maxInline {
			j.inline = true
			return nil
		}
		sys.inline.Add(-1)
	}
	return j.react()
}

// react registers the job's pipes with the reactor.
func (j *job) react() error {
	r := j.l.sys.r
	j.key = r.add(&j.w)
	for _, s := range []*stream{&j.out, &j.errs} {
		if err := r.watch(s.fd, j.key, s.bit); err != nil {
			r.remove(j.key)
			j.key = 0
			return err
		}
	}
	return nil
}

// abandon undoes prepare after a failed start.
func (j *job) abandon() {
	closeFds(j.out.fd, j.errs.fd)
	j.out.fd, j.errs.fd = -1, -1
	j.leave()
}

// leave ends the job's registration: the reactor's, or its inline place.
func (j *job) leave() {
	if j.inline {
		if j.spec.Kill != nil {
			j.l.unwatchKill(j, j.spec.Kill)
		}
		j.inline = false
		j.l.sys.inline.Add(-1)
	}
	if j.key != 0 {
		j.l.sys.r.remove(j.key)
		j.key = 0
	}
}

// watch watches the leader's exit: its pidfd (in poll(2) when the job
// waits inline, else in the reactor), or, on a kernel without
// CLONE_PIDFD, a goroutine blocked in waitid(WNOWAIT).
func (j *job) watch() {
	if j.pidfd >= 0 && j.inline {
		if j.spec.Kill != nil {
			j.l.watchKill(j, j.spec.Kill)
		}
		return
	}
	if j.inline {
		// No pidfd after all (init found the kernel could make one): the
		// reactor and a waiter, from now on. Without the reactor, nothing
		// would read the pipes: the job is killed rather than left to
		// block on a full pipe.
		j.l.sys.noPidfd.Store(true)
		j.leave()
		if err := j.react(); err != nil {
			j.l.debugf("spawn %s pid=%d: %v; killing it", j.spec.Name, j.pid, err)
			_ = unix.Kill(-j.pid, unix.SIGKILL)
		}
	}
	if j.pidfd >= 0 {
		err := j.l.sys.r.watch(j.pidfd, j.key, bitExit)
		if err == nil {
			return
		}
		j.l.debugf("spawn %s pid=%d: %v; waiting in a thread", j.spec.Name, j.pid, err)
		closeFds(j.pidfd)
		j.pidfd = -1
	}
	j.waiter = make(chan struct{})
	go func() {
		defer close(j.waiter)
		var si unix.Siginfo
		for unix.Waitid(unix.P_PID, j.pid, &si, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
		}
		j.w.post(bitExit)
	}()
}

// await waits for the job's pipes or its leader's exit and says which
// became ready: in poll(2) when the job waits inline (Spec.Kill is then
// answered by the Local's goroutine for that channel, see watchKill),
// else through the reactor. It returns cut once bound (if set) has passed.
func (j *job) await(kill *<-chan struct{}, exited bool, bound time.Time) (bits uint32, cut bool) {
	if !j.inline {
		return j.awaitWake(kill, bound)
	}
	fds := [3]unix.PollFd{
		{Fd: int32(j.out.fd), Events: unix.POLLIN},
		{Fd: int32(j.errs.fd), Events: unix.POLLIN},
		{Fd: int32(j.pidfd), Events: unix.POLLIN},
	}
	if exited {
		fds[2].Fd = -1 // a pidfd stays readable once its process exited
	}
	timeout := -1
	if !bound.IsZero() {
		left := time.Until(bound)
		if left <= 0 {
			return 0, true
		}
		timeout = int((left + time.Millisecond - 1) / time.Millisecond)
	}
	n, err := unix.Poll(fds[:], timeout)
	switch {
	case err == unix.EINTR:
		return 0, false
	case err != nil:
		// Not expected (EFAULT, EINVAL, ENOMEM): wait without a busy loop,
		// and look at everything.
		j.l.debugf("wait %s pid=%d: poll: %v", j.spec.Name, j.pid, err)
		time.Sleep(time.Millisecond)
		return bitOut | bitErr | bitExit, false
	case n == 0:
		return 0, !bound.IsZero() && !time.Now().Before(bound)
	}
	for i, bit := range [3]uint32{bitOut, bitErr, bitExit} {
		if fds[i].Revents != 0 {
			bits |= bit
		}
	}
	return bits, false
}

// service reads what the reactor said is ready.
func (j *job) service(bits uint32) {
	// An inline job's poll(2) sees what is left (it is level-triggered);
	// the reactor is edge-triggered and must be asked again.
	if bits&bitOut != 0 {
		j.drain(&j.out, !j.inline)
	}
	if bits&bitErr != 0 {
		j.drain(&j.errs, !j.inline)
	}
}

// drain reads s until the pipe is empty (or readsPerWake reads), and
// delivers what it read; at EOF or on a read error it closes the pipe.
// With more left to read, it wakes the job again when again is set.
func (j *job) drain(s *stream, again bool) {
	if s.fd < 0 {
		return
	}
	buf := j.l.bufs.Get().(*[readChunk]byte)
	defer j.l.bufs.Put(buf)
	for range readsPerWake {
		n, err := unix.Read(s.fd, buf[:])
		switch {
		case n > 0:
			s.deliver(j, buf[:n])
			continue
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return
		case err != nil:
			s.rerr = err
		}
		closeFds(s.fd)
		s.fd, s.eof = -1, true
		return
	}
	if again {
		j.w.post(s.bit)
	}
}

// cutStreams takes what is left in the pipes and closes them.
func (j *job) cutStreams() {
	for _, s := range []*stream{&j.out, &j.errs} {
		j.drain(s, false)
		closeFds(s.fd)
		s.fd, s.eof = -1, true
	}
}

// release closes what the job still holds.
func (j *job) release() {
	closeFds(j.out.fd, j.errs.fd, j.pidfd)
	j.out.fd, j.errs.fd, j.pidfd = -1, -1, -1
	j.leave()
	if j.waiter != nil {
		<-j.waiter
	}
}

// exitPeek reports whether the leader has exited (it is a zombie), without
// reaping it.
func (j *job) exitPeek() bool {
	for {
		var si unix.Siginfo
		err := unix.Waitid(unix.P_PID, j.pid, &si, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		// ECHILD cannot happen for an unreaped child; if it does, waiting
		// on would never end.
		return err != nil || si.Signo == int32(unix.SIGCHLD)
	}
}

func (j *job) leaderExited() bool { return j.exitPeek() }
func (j *job) running() bool      { return !j.exitPeek() }

// reap collects the leader's status.
func (j *job) reap() (syscall.WaitStatus, error) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(j.pid, &ws, 0, nil)
		if err != syscall.EINTR {
			return ws, err
		}
	}
}

// sweep kills what the job left behind; the leader has exited and is not
// reaped yet. See the package documentation.
func (j *job) sweep() {
	l := j.l
	if err := unix.Kill(-j.pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
		l.debugf("sweep %s: kill the process group %d: %v", j.spec.Name, j.pid, err)
	}
	if !l.sys.children.ok {
		return
	}
	groups := []int{j.pid}   // process groups whose members are the job's
	sessions := []int{j.pid} // the job's session, and those of escaped processes that called setsid
	for range maxSweepRounds {
		pids, err := l.sys.children.get()
		if err != nil {
			l.debugf("sweep %s: %v", j.spec.Name, err)
			return
		}
		var found []int
		busy := false
		for _, pid := range pids {
			switch _, v := j.attribute(pid, groups, sessions); v {
			case notJobs:
				continue
			case unsure:
				busy = true
				continue
			}
			if !l.claim(pid) {
				busy = true // another sweep is killing it; look again
				continue
			}
			// Claimed, it cannot be reaped (and its pid reused) by another
			// sweep: look again before killing.
			what, v := j.attribute(pid, groups, sessions)
			if v != jobs {
				busy = busy || v == unsure
				l.release(pid)
				continue
			}
			found = append(found, pid)
			if what.state == 'Z' {
				continue
			}
			if what.pgrp == pid && !slices.Contains(groups, pid) {
				_ = unix.Kill(-pid, unix.SIGKILL)
				groups = append(groups, pid)
			}
			if what.sid == pid && !slices.Contains(sessions, pid) {
				sessions = append(sessions, pid)
			}
			_ = unix.Kill(pid, unix.SIGKILL)
			if what.pgrp == j.pid {
				l.debugf("sweep %s: killed pid %d left in the process group", j.spec.Name, pid)
			} else {
				l.debugf("sweep %s: killed escaped pid %d", j.spec.Name, pid)
			}
		}
		for _, pid := range found {
			var ws syscall.WaitStatus
			for {
				if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
					break
				}
			}
			l.release(pid)
		}
		if len(found) == 0 && !busy {
			return
		}
		if len(found) == 0 {
			time.Sleep(time.Millisecond) // let the other sweep or execve finish
		}
	}
	l.debugf("sweep %s: still finding processes after %d rounds; the rest is left to Close", j.spec.Name, maxSweepRounds)
}

// verdict is what the sweep makes of a child.
type verdict int

const (
	notJobs verdict = iota // not the job's, or cannot be told
	jobs                   // the job's
	unsure                 // in the middle of execve: look again
)

// attribute decides whether child pid is the job's: in its process group,
// or in a group or session of an escaped process of the job (and not
// carrying the token of another attempt in progress), or carrying the
// job's token, or the token of an attempt of l that has ended.
func (j *job) attribute(pid int, groups, sessions []int) (procStat, verdict) {
	l := j.l
	st, err := readStat(pid)
	if err != nil || st.ppid != l.self || l.isLeader(pid) {
		return st, notJobs
	}
	member := slices.Contains(groups, st.pgrp) || slices.Contains(sessions, st.sid)
	if st.pgrp == j.pid || (member && st.state == 'Z') {
		return st, jobs // the job's own group id is pinned by its leader
	}
	if st.state == 'Z' {
		return st, notJobs // a zombie's environment cannot be read
	}
	if !member && l.sys.spawning(st, pid) {
		return st, notJobs
	}
	v, _, empty, err := envToken(pid)
	if err != nil || empty {
		if member {
			return st, jobs // exiting, or in execve
		}
		// Between the new memory map and its environment, execve shows
		// an empty one, and env_end is 0 in stat until the map is set up;
		// an exiting process has no map any more (and is soon a zombie).
		if again, err := readStat(pid); err == nil && again.noEnv && again.state != 'Z' {
			return st, unsure
		}
		return st, notJobs
	}
	mine, stale, other := l.tokenMatch(v, j.token)
	if mine || stale || (member && !other) {
		return st, jobs
	}
	return st, notJobs
}

// finalSweep kills and reaps every child left, except the jobs of other
// Locals (Close).
func (l *Local) finalSweep() {
	if !l.sys.children.ok {
		return
	}
	others := strconv.Itoa(l.self) + "-"
	for range maxSweepRounds {
		pids, err := l.sys.children.all()
		if err != nil {
			l.debugf("close: %v", err)
			return
		}
		var found []int
		for _, pid := range pids {
			st, err := readStat(pid)
			if err != nil || st.ppid != l.self {
				continue
			}
			if st.state != 'Z' {
				if v, ok, _, _ := envToken(pid); ok && !l.hasOwnToken(v) && hasPrefixToken(v, others) {
					continue // a job of another Local of this process
				}
				if st.pgrp == pid {
					_ = unix.Kill(-pid, unix.SIGKILL)
				}
				_ = unix.Kill(pid, unix.SIGKILL)
				l.debugf("close: killed pid %d", pid)
			}
			found = append(found, pid)
		}
		for _, pid := range found {
			var ws syscall.WaitStatus
			for {
				if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
					break
				}
			}
		}
		if len(found) == 0 {
			return
		}
	}
}

func (l *Local) hasOwnToken(v string) bool { return hasPrefixToken(v, l.prefix) }

// hasPrefixToken reports whether a TokenVar value has a token starting
// with prefix.
func hasPrefixToken(v, prefix string) bool {
	for t := range strings.SplitSeq(v, ":") {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

func readStat(pid int) (procStat, error) {
	var buf [1024]byte
	b, err := readProc("/proc/"+strconv.Itoa(pid)+"/stat", buf[:])
	if err != nil {
		return procStat{}, err
	}
	st, ok := parseStat(b)
	if !ok {
		return st, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	return st, nil
}

// envToken reads TokenVar's value from /proc/PID/environ. Exec puts the
// variable first, so for the leaders it starts (the unknown children a
// sweep meets most: started, and not yet known to Exec) one short read
// finds it; otherwise the whole environment is read. empty reports an
// environment of zero bytes.
func envToken(pid int) (v string, found, empty bool, err error) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/environ", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", false, false, err
	}
	defer closeFds(fd)
	buf := make([]byte, 512)
	n := 0
	for {
		m, err := unix.Read(fd, buf[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return "", false, false, err
		case m == 0:
			v, found = environToken(buf[:n])
			return v, found, n == 0, nil
		}
		n += m
		if first, _, ok := bytes.Cut(buf[:n], []byte{0}); ok {
			if v, ok := bytes.CutPrefix(first, []byte(TokenVar+"=")); ok {
				return string(v), true, false, nil
			}
		}
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
	}
}

// readProc reads the file at path whole, into buf when it fits.
func readProc(path string, buf []byte) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer closeFds(fd)
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := unix.Read(fd, buf[n:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, err
		case m == 0:
			return buf[:n], nil
		}
		n += m
	}
}

// childList lists aiorun's children that are not live leaders of l. A
// list is read from the main thread's children file, which is where the
// kernel puts reparented orphans, and one read is shared by every sweep
// that asked for it while it had not started yet.
type childList struct {
	l  *Local
	fd int  // /proc/self/task/<pid>/children; -1: scan /proc
	ok bool // /proc can be read

	mu       sync.Mutex
	cond     sync.Cond
	started  uint64 // reads started
	finished uint64 // reads finished
	running  bool
	pids     []int
	err      error
	buf      []byte // the running read's
}

func (c *childList) init(l *Local) {
	c.l = l
	c.cond.L = &c.mu
	c.buf = make([]byte, 16<<10)
	fd, err := unix.Open("/proc/self/task/"+strconv.Itoa(l.self)+"/children", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		c.fd, c.ok = fd, true
		return
	}
	c.fd = -1
	_, err = os.Stat("/proc/self/stat")
	c.ok = err == nil
	if c.ok {
		l.debugf("sweep: no per-thread children files (CONFIG_PROC_CHILDREN); sweeps scan /proc")
	} else {
		l.debugf("sweep: /proc cannot be read (%v); sweeps kill process groups only", err)
	}
}

func (c *childList) close() { closeFds(c.fd) }

// get returns a list read after the call began. The slice is shared: do
// not modify it.
func (c *childList) get() ([]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	want := c.started + 1
	for c.finished < want {
		if c.running {
			c.cond.Wait()
			continue
		}
		c.running = true
		c.started++
		n := c.started
		c.mu.Unlock()
		pids, err := c.read()
		c.mu.Lock()
		c.pids, c.err, c.finished, c.running = pids, err, n, false
		c.cond.Broadcast()
	}
	return c.pids, c.err
}

// read lists the main thread's children, leaders of l left out.
func (c *childList) read() ([]int, error) {
	var pids []int
	if c.fd < 0 {
		all, err := scanChildren(c.l.self)
		if err != nil {
			return nil, err
		}
		pids = all
	} else {
		for {
			// One read of the whole list: reads at an offset regenerate it.
			n, err := unix.Pread(c.fd, c.buf, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read the children of pid %d: %w", c.l.self, err)
			}
			if n == len(c.buf) {
				c.buf = make([]byte, 2*len(c.buf))
				continue
			}
			pids = parsePids(c.buf[:n], nil)
			break
		}
	}
	if len(pids) == 0 {
		return nil, nil
	}
	l := c.l
	out := pids[:0]
	l.mu.Lock()
	for _, pid := range pids {
		if _, ok := l.leaders[pid]; !ok {
			out = append(out, pid)
		}
	}
	l.mu.Unlock()
	return out, nil
}

// all lists the children of every thread of this process.
func (c *childList) all() ([]int, error) {
	if c.fd < 0 {
		return scanChildren(c.l.self)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			continue // the thread has exited
		}
		pids = parsePids(b, pids)
	}
	return pids, nil
}

// scanChildren finds the processes whose parent is self in /proc.
func scanChildren(self int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil && st.ppid == self {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parsePids appends the space-separated pids of b to pids.
func parsePids(b []byte, pids []int) []int {
	n, digits := 0, false
	for _, c := range b {
		if c >= '0' && c <= '9' {
			n = n*10 + int(c-'0')
			digits = true
			continue
		}
		if digits {
			pids = append(pids, n)
		}
		n, digits = 0, false
	}
	if digits {
		pids = append(pids, n)
	}
	return pids
}

// reactor is one epoll instance that watches the pipes and pidfds of every
// job of a Local, and wakes the job concerned. The epoll descriptor is
// itself watched by Go's netpoller, so no thread waits in epoll_wait.
type reactor struct {
	ep   *os.File
	epfd int           // ep's descriptor, valid until close
	done chan struct{} // closed when the loop ends

	mu     sync.Mutex
	wakers map[uint64]*waker
	next   uint64
}

func newReactor() (*reactor, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("create an epoll instance: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		closeFds(fd)
		return nil, fmt.Errorf("create an epoll instance: %w", err)
	}
	ep := os.NewFile(uintptr(fd), "epoll")
	rc, err := ep.SyscallConn()
	if err != nil {
		_ = ep.Close()
		return nil, fmt.Errorf("watch the epoll instance: %w", err)
	}
	r := &reactor{ep: ep, epfd: fd, done: make(chan struct{}), wakers: make(map[uint64]*waker)}
	go r.loop(rc)
	return r, nil
}

// loop dispatches events until the reactor is closed.
func (r *reactor) loop(rc syscall.RawConn) {
	defer close(r.done)
	events := make([]unix.EpollEvent, 256)
	_ = rc.Read(func(fd uintptr) bool {
		for {
			n, err := unix.EpollWait(int(fd), events, 0)
			if err == unix.EINTR {
				continue
			}
			if err != nil || n <= 0 {
				return false // wait until the netpoller says there is more
			}
			r.dispatch(events[:n])
			if n < len(events) {
				return false
			}
		}
	})
}

func (r *reactor) dispatch(events []unix.EpollEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range events {
		data := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
		if w, ok := r.wakers[data>>3]; ok {
			w.post(uint32(data & 7))
		}
	}
}

// add registers a job's waker; its key is never reused, so a late event
// of an ended job finds nothing.
func (r *reactor) add(w *waker) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.next++
	r.wakers[r.next] = w
	return r.next
}

func (r *reactor) remove(key uint64) {
	r.mu.Lock()
	delete(r.wakers, key)
	r.mu.Unlock()
}

// watch adds fd, edge-triggered; an event wakes the job of key with bit.
// Closing fd removes it (the registration ends with the last descriptor of
// the file, including copies held for an instant by a child between fork
// and exec: their late events find no key).
func (r *reactor) watch(fd int, key uint64, bit uint32) error {
	data := key<<3 | uint64(bit)
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd:     int32(uint32(data)),
		Pad:    int32(uint32(data >> 32)),
	}
	if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("watch descriptor %d: %w", fd, err)
	}
	return nil
}

func (r *reactor) close() error {
	err := r.ep.Close()
	<-r.done
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
