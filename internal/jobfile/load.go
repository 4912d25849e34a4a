package jobfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// stdinName names standard input in messages and in File.Path.
const stdinName = "<stdin>"

// Load reads and parses the job file at path (see Parse). Path "-" reads
// stdin instead: the file is then named "<stdin>" and relative dirs are
// taken from the current directory. At most 16 MiB are read. A path that
// is missing, unreadable, a directory, or not a regular file (a FIFO, a
// device, a socket: never opened for reading) is an *Error without a
// position whose Err is the operating system's error, if any.
func Load(path string, stdin io.Reader) (*File, error) {
	return LoadWith(path, stdin, LoadOptions{})
}

// LoadWith is Load for the executor o names (see ParseWith).
func LoadWith(path string, stdin io.Reader, o LoadOptions) (*File, error) {
	if path == "-" {
		data, err := readStdin(stdin)
		if err != nil {
			return nil, err
		}
		dir, err := os.Getwd()
		if err != nil {
			return nil, newError(stdinName, Pos{}, err, "current directory: %v", err)
		}
		return ParseWith(stdinName, data, dir, o)
	}
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseWith(path, data, filepath.Dir(path), o)
}

// readStdin reads all of r, up to the size limit.
func readStdin(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, newError(stdinName, Pos{}, nil, msgNoStdin)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, newError(stdinName, Pos{}, err, "%v", err)
	}
	if len(data) > maxSize {
		return nil, newError(stdinName, Pos{}, nil, msgTooLarge, "more than "+strconv.Itoa(maxSize))
	}
	return data, nil
}

// readFile reads the regular file at path, up to the size limit. It looks
// before it opens, so that a FIFO is never opened; it opens without
// blocking and looks again at what it opened, in case path was replaced in
// between.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if err := checkFileInfo(path, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fileError(path, err)
	}
	if err := checkFileInfo(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	if len(data) > maxSize {
		return nil, newError(path, Pos{}, nil, msgTooLarge, "more than "+strconv.Itoa(maxSize))
	}
	return data, nil
}

// checkFileInfo refuses what is not a regular file of a sane size.
func checkFileInfo(path string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return newError(path, Pos{}, nil, msgIsDir)
	case !fi.Mode().IsRegular():
		return newError(path, Pos{}, nil, msgNotRegular)
	case fi.Size() > maxSize:
		return newError(path, Pos{}, nil, msgTooLarge, strconv.FormatInt(fi.Size(), 10))
	}
	return nil
}

// fileError is the whole-file error for an operating system error about
// path. Its message leaves out the operation and the path ("open x.yaml:
// ..."), since the *Error starts with the path.
func fileError(path string, err error) *Error {
	return newError(path, Pos{}, err, "%v", unwrapPathError(err))
}

// unwrapPathError is the error inside a *fs.PathError, or err.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
