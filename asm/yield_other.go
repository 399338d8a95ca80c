//go:build !linux

package asm

import "runtime"

// osYield lets other goroutines run (there is no portable way to yield
// the thread itself).
func osYield() { runtime.Gosched() }
