//go:build !unix && !windows

package hub

import (
	"context"
	"sync"
	"time"
)

const lockPoll = 100 * time.Millisecond

// held are the lock paths this process holds. Platforms without file locks
// (wasm, plan9) only get protection between goroutines.
var held sync.Map

func lockFile(ctx context.Context, path string, waiting func()) (unlock func(), err error) {
	told := false
	for {
		if _, busy := held.LoadOrStore(path, true); !busy {
			return func() { held.Delete(path) }, nil
		}
		if !told {
			waiting()
			told = true
		}
		if err := sleep(ctx, lockPoll); err != nil {
			return nil, err
		}
	}
}
