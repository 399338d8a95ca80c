package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports bytes done out of a total on stderr: a bar redrawn in
// place on a terminal (github.com/schollz/progressbar), or — when asked for,
// as downloads do — a plain line every 10% when stderr is a log file.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	quiet  bool
	tty    bool
	lines  bool  // print 10% lines when not a terminal
	tenths int64 // last 10% step printed
	bar    *progressbar.ProgressBar
}

// newProgress returns a reporter labelled label. With quiet it prints
// nothing; with logLines it prints 10% steps when stderr is not a terminal.
func newProgress(label string, quiet, logLines bool) *progress {
	return &progress{w: os.Stderr, label: label, quiet: quiet, lines: logLines, tenths: -1,
		tty: term.IsTerminal(int(os.Stderr.Fd()))}
}

// update records done of total bytes. Safe to call from several goroutines.
func (p *progress) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet || total <= 0 {
		return
	}
	if !p.tty {
		if step := done * 10 / total; p.lines && step != p.tenths {
			p.tenths = step
			fmt.Fprintf(p.w, "%s %3d%% %s/%s\n", p.label, 100*done/total, humanBytes(done), humanBytes(total))
		}
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.label),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionFullWidth())
	}
	p.bar.Set64(done)
}

// logf prints a note on its own line, above the bar.
func (p *progress) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// finish leaves the final state of the bar on its own line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
}

// humanBytes prints a size in binary units: 512 B, 1.5 KiB, 3.0 GiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
