//go:build unix

package hub

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// lockPoll is how often a waiting pull tries the lock again.
const lockPoll = 100 * time.Millisecond

// lockFile takes an exclusive flock on path, creating it, and calls waiting
// once if another process (or goroutine) holds it. The kernel drops the lock
// if the holder dies, so a crashed pull never blocks the next one. unlock
// removes the file.
func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	told := false
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
			if err == nil {
				break
			}
			if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
				f.Close()
				return nil, err
			}
			if !told {
				waiting()
				told = true
			}
			if err := sleep(ctx, lockPoll); err != nil {
				f.Close()
				return nil, err
			}
		}
		// The holder removes the file before letting go, so we may hold a
		// lock on a file that is no longer there; then lock the new one.
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return func() {
				os.Remove(path)
				f.Close()
			}, nil
		}
		f.Close()
	}
}
