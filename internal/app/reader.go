package app

import (
	"errors"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// watchReader calls gone once when out is a pipe whose reader has closed
// it (`aiorun gather | head -1`), even while aiorun has nothing to write:
// the kernel flags the pipe's write end with POLLERR. It does nothing for
// other outputs. The returned stop ends the watch.
func watchReader(out io.Writer, gone func(error)) (stop func()) {
	f, ok := out.(*os.File)
	if !ok {
		return func() {}
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeNamedPipe == 0 {
		return func() {}
	}
	var wake [2]int
	if err := unix.Pipe2(wake[:], unix.O_CLOEXEC); err != nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: 0}, {Fd: int32(wake[0]), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, -1)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err == nil && fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 && fds[1].Revents == 0 {
				gone(syscall.EPIPE)
			}
			return
		}
	}()
	return func() {
		_, _ = unix.Write(wake[1], []byte{0})
		<-done
		unix.Close(wake[0])
		unix.Close(wake[1])
	}
}
