//go:build unix

package tree

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openFile opens name as os.OpenFile does, but without the fcntl and
// epoll calls os.OpenFile makes to offer a file to the poller, which
// never takes a regular file: a blocking descriptor given to os.NewFile
// stays out of it.
func openFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	fd, err := open(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// open opens name close-on-exec and returns the descriptor, or an error
// as os.OpenFile words it.
func open(name string, flag int, perm fs.FileMode) (int, error) {
	var fd int
	err := retry(func() (err error) {
		fd, err = syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		return err
	})
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return fd, nil
}

// readFile reads the file at name, whose size is likely size, as
// os.ReadFile does but in three system calls (open, read, close) rather
// than ten: no *os.File (see openFile), and no stat for the size, which a
// tree of tens of thousands of files would pay for every file. It refuses
// to follow a symlink at name, and a pipe at name does not block it. The
// bytes are read into buf when it has room for them and one more byte;
// the result may be buf's memory.
func readFile(name string, size int64, buf []byte) ([]byte, error) {
	fd, err := open(name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	// One byte more than the size, so that a first read that ends short
	// of the buffer with the size read has found the end of the file, and
	// no second read is needed to learn that it reads nothing.
	b := buf[:0]
	if int64(cap(b)) < max(size, 0)+1 {
		b = make([]byte, 0, max(size, 0)+1)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the file grew: make room
		}
		var n int
		err := retry(func() (err error) {
			n, err = syscall.Read(fd, b[len(b):cap(b)])
			return err
		})
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
		if int64(len(b)) == size && len(b) < cap(b) {
			return b, nil
		}
	}
}

// readsAs reports whether the file at name, not a symlink, reads as want,
// in readFile's three system calls, with want's size for the file's and
// no lstat before them.
func readsAs(name string, want []byte) bool {
	same := false
	return inspect(name, int64(len(want)), func(b []byte) { same = bytes.Equal(b, want) }) == nil && same
}

// retry runs f again while a signal interrupts it.
func retry(f func() error) error {
	for {
		if err := f(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
