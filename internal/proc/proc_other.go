//go:build unix && !linux

package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// BecomeSubreaper makes this process a child subreaper where the system
// has one (Linux); here it reports errors.ErrUnsupported, and the sweep is
// limited to each job's process group.
func BecomeSubreaper() error {
	return fmt.Errorf("become a child subreaper: %w", errors.ErrUnsupported)
}

// localSys: nothing is shared between jobs here.
type localSys struct {
	// maxInline has no use here (every job waits through its copiers and
	// waiter goroutines); it keeps the tests' switch of the Linux reactor.
	maxInline int32 //lint:ignore U1000 see above
}

func (s *localSys) init(*Local) error { return nil }
func (s *localSys) close() error      { return nil }

// streamSys: a pipe is read by a goroutine of its own through Go's
// netpoller; the read end is an *os.File.
type streamSys struct {
	file *os.File
}

// jobSys: a goroutine blocked in wait4 reaps the leader.
type jobSys struct {
	copiers sync.WaitGroup
	waiter  chan struct{} // closed when the leader is reaped
	gone    atomic.Bool   // the leader was reaped
	ws      syscall.WaitStatus
	werr    error
}

// pipe creates a pipe whose ends are closed on exec; ForkLock keeps a
// concurrent fork from inheriting them before they are marked.
func pipe(p []int) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	if err := syscall.Pipe(p); err != nil {
		return err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	return nil
}

func sysProcAttr(*int) *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// prepare makes the read ends non-blocking, so that os.NewFile puts them
// in the netpoller.
func (j *job) prepare() error {
	for _, s := range []*stream{&j.out, &j.errs} {
		if err := unix.SetNonblock(s.fd, true); err != nil {
			return fmt.Errorf("make a pipe non-blocking: %w", err)
		}
	}
	return nil
}

func (j *job) abandon() {
	closeFds(j.out.fd, j.errs.fd)
	j.out.fd, j.errs.fd = -1, -1
}

// watch starts the copiers and the exit waiter.
func (j *job) watch() {
	for _, s := range []*stream{&j.out, &j.errs} {
		s.file = os.NewFile(uintptr(s.fd), s.what)
		j.copiers.Go(func() { j.copy(s) })
	}
	j.waiter = make(chan struct{})
	go func() {
		defer close(j.waiter)
		for {
			_, err := syscall.Wait4(j.pid, &j.ws, 0, nil)
			if err != syscall.EINTR {
				j.werr = err
				break
			}
		}
		j.gone.Store(true)
		j.w.post(bitExit)
	}()
}

// copy delivers s until EOF or until its file is closed.
func (j *job) copy(s *stream) {
	buf := j.l.bufs.Get().(*[readChunk]byte)
	defer j.l.bufs.Put(buf)
	for {
		n, err := s.file.Read(buf[:])
		if n > 0 {
			s.deliver(j, buf[:n])
		}
		if err != nil {
			if err != io.EOF && !errors.Is(err, os.ErrClosed) {
				s.rerr = err
			}
			j.w.post(s.bit)
			return
		}
	}
}

// service notes the copiers that ended (a stream's fields are the copier's
// until then).
func (j *job) service(bits uint32) {
	if bits&bitOut != 0 {
		j.out.eof = true
	}
	if bits&bitErr != 0 {
		j.errs.eof = true
	}
}

func (j *job) cutStreams() {
	for _, s := range []*stream{&j.out, &j.errs} {
		_ = s.file.Close()
		s.eof = true
	}
	j.copiers.Wait()
}

func (j *job) release() {
	for _, s := range []*stream{&j.out, &j.errs} {
		_ = s.file.Close()
		s.fd = -1
	}
	j.copiers.Wait()
	<-j.waiter
}

func (j *job) leaderExited() bool { return j.gone.Load() }
func (j *job) running() bool      { return !j.gone.Load() }

func (j *job) reap() (syscall.WaitStatus, error) {
	<-j.waiter
	return j.ws, j.werr
}

// sweep kills what is left of the job's process group. The leader is
// already reaped here, so this runs as soon as possible after the reap.
func (j *job) sweep() {
	if err := unix.Kill(-j.pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
		j.l.debugf("sweep %s: kill the process group %d: %v", j.spec.Name, j.pid, err)
	}
}

func (l *Local) finalSweep() {}

// await waits for the copiers or the exit waiter to wake the job.
func (j *job) await(kill *<-chan struct{}, _ bool, bound time.Time) (bits uint32, cut bool) {
	return j.awaitWake(kill, bound)
}

// ProcessesTight is false here: jobs never wait each on a thread of their
// own on this system.
func ProcessesTight(int) bool { return false }
