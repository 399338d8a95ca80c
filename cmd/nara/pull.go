package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/narallm/nara/loader/hub"
)

func runPull(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pull", flag.ContinueOnError)
	revision := fs.String("revision", "main", "branch, tag or commit to pull")
	quiet := fs.Bool("q", false, "no progress on stderr")
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: nara pull [--revision REV] [-q] REPO[:FILE|:QUANT]

Downloads a model from the Hugging Face hub into the cache ($NARA_HOME/hub,
default ~/.cache/nara/hub) and prints its local path. An interrupted pull
resumes where it stopped.

  nara pull org/model-GGUF              the Q4_K_M GGUF, or the repo's only GGUF
  nara pull org/model-GGUF:Q8_0         the GGUF whose name holds Q8_0 (any case)
  nara pull org/model-GGUF:x.Q8_0.gguf  that file
  nara pull org/model                   an HF directory (config, tokenizer, safetensors)

-m hf://REPO[:FILE|:QUANT] does the same wherever a model is expected.
Environment: HF_TOKEN (private and gated repos), HF_ENDPOINT (a mirror),
HF_HUB_OFFLINE=1 (cache only).

`)
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "one REPO[:FILE]"); err != nil {
		return err
	}
	ref, err := hub.ParseRef(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newProgressBar(os.Stderr, ref.String(), *quiet)
	path, err := hub.Pull(ctx, ref.Repo, ref.File, hub.Options{Revision: *revision, Logf: bar.logf}, bar.update)
	bar.finish()
	if errors.Is(err, context.Canceled) {
		return errors.New("interrupted; the same command resumes the download")
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return nil
}

// resolveModel maps a model argument to a local path: hf://ORG/NAME[:FILE|:QUANT]
// is looked up in the hub cache and pulled when missing, with progress on
// stderr (Ctrl-C stops it; the next run resumes). Anything else is returned
// as is. Commands call it on their -m value.
func resolveModel(path string) (string, error) {
	if !strings.HasPrefix(path, "hf://") {
		return path, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	bar := newProgressBar(os.Stderr, strings.TrimPrefix(path, "hf://"), false)
	local, err := hub.Resolve(ctx, path, hub.Options{Progress: bar.update, Logf: bar.logf})
	bar.finish()
	if errors.Is(err, context.Canceled) {
		return "", fmt.Errorf("%s: download interrupted; it resumes on the next run", path)
	}
	return local, err
}

// progressBar shows download progress: one line redrawn in place on a
// terminal, a line every 10% otherwise, so that logs stay readable.
type progressBar struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	quiet  bool
	tty    bool
	drawn  time.Time // last redraw
	onLine bool      // the bar is on the terminal's current line
	tenths int64     // last 10% step printed (not a terminal)

	done, total int64
	// Speed over a window of a few seconds, so that bytes resumed from an
	// earlier run do not count as downloaded now.
	winStart time.Time
	winDone  int64
	rate     float64 // bytes per second; 0 until measured
}

func newProgressBar(w *os.File, label string, quiet bool) *progressBar {
	st, err := w.Stat()
	tty := err == nil && st.Mode()&os.ModeCharDevice != 0
	return &progressBar{w: w, label: label, quiet: quiet, tty: tty, tenths: -1}
}

func (p *progressBar) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.winStart.IsZero() {
		p.winStart, p.winDone = now, done
	} else if dt := now.Sub(p.winStart).Seconds(); dt >= 2 {
		p.rate = float64(done-p.winDone) / dt
		p.winStart, p.winDone = now, done
	}
	p.done, p.total = done, total
	if p.quiet || total <= 0 {
		return
	}
	if !p.tty {
		if step := done * 10 / total; step != p.tenths {
			p.tenths = step
			fmt.Fprintln(p.w, p.line(false))
		}
		return
	}
	if done < total && now.Sub(p.drawn) < 100*time.Millisecond {
		return
	}
	p.drawn = now
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(true))
	p.onLine = true
}

// line renders the progress, e.g.
// "org/m:Q8_0  42% [========>           ] 1.2 GiB/3.0 GiB  25.3 MiB/s  1m12s".
func (p *progressBar) line(bar bool) string {
	pct := float64(p.done) / float64(p.total)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %3.0f%%", p.label, 100*pct)
	if bar {
		const width = 20
		fill := int(pct * width)
		b.WriteString(" [")
		for i := range width {
			switch {
			case i < fill:
				b.WriteByte('=')
			case i == fill:
				b.WriteByte('>')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte(']')
	}
	fmt.Fprintf(&b, " %s/%s", humanBytes(p.done), humanBytes(p.total))
	if p.rate > 0 && p.done < p.total {
		left := time.Duration(float64(p.total-p.done) / p.rate * float64(time.Second))
		fmt.Fprintf(&b, "  %s/s  %s", humanBytes(int64(p.rate)), left.Round(time.Second))
	}
	return b.String()
}

// logf prints a note from the hub above the bar.
func (p *progressBar) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	if p.onLine {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.onLine = false
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}

// finish leaves the final state of the bar on its own line.
func (p *progressBar) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onLine {
		fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.line(true))
		p.onLine = false
	}
}

// humanBytes prints a size in binary units: 512 B, 1.5 KiB, 3.0 GiB.
func humanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1024 || unit == "TiB" {
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	return ""
}
