package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/convert"
	"github.com/narallm/nara/quant"
)

func runQuantize(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("quantize", flag.ContinueOnError)
	threads := fs.Int("threads", 0, "threads quantizing in parallel (0: all CPUs)")
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: nara quantize IN OUT TYPE [--threads N]\n\n"+
			"IN is a .gguf file or an HF directory; OUT a .gguf file; TYPE one of\n%s\n"+
			"(llama-quantize's presets: _S/_M/_L mixes give some tensors more bits).\n",
			strings.Join(convert.PresetNames(), " "))
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 3, "IN OUT TYPE"); err != nil {
		return err
	}
	in, out := pos[0], pos[1]
	preset, err := convert.ParsePreset(pos[2])
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *threads < 0 {
		return fmt.Errorf("%w: --threads %d", errUsage, *threads)
	}
	if sameFile(in, out) {
		return fmt.Errorf("%w: OUT %s is the input file", errUsage, out)
	}
	m, err := loader.Open(in)
	if err != nil {
		return err
	}
	defer m.Close()
	plan, err := convert.PlanFor(m, preset)
	if err != nil {
		return err
	}
	start := time.Now()
	size, err := writeAtomically(out, "quantize "+preset.Name, func(w io.Writer, progress func(done, total int64)) error {
		return convert.Convert(w, m, preset, convert.Options{Threads: *threads, Progress: progress})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s, %d tensors (%s), %s in %.1fs\n", out, preset.Name, len(plan), typeCounts(plan),
		byteSize(size), time.Since(start).Seconds())
	return nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// writeAtomically writes a file through write into a temporary file beside
// path, renamed into place only when complete, so a failed or interrupted
// run leaves no partial model behind. It draws a progress bar on stderr
// when stderr is a terminal, and returns the file's size.
func writeAtomically(path, what string, write func(w io.Writer, progress func(done, total int64)) error) (int64, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bar := newProgress(what, false, false) // a bar on a terminal only: no lines in logs
	err = write(f, bar.update)
	bar.finish()
	if err != nil {
		return 0, err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp makes it private
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return 0, err
	}
	ok = true
	return st.Size(), nil
}

// typeCounts summarizes a plan: "Q4_K×13 Q6_K×3 F32×5", most frequent first.
func typeCounts(plan map[string]quant.Type) string {
	n := map[quant.Type]int{}
	for _, t := range plan {
		n[t]++
	}
	types := make([]quant.Type, 0, len(n))
	for t := range n {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if n[types[i]] != n[types[j]] {
			return n[types[i]] > n[types[j]]
		}
		return types[i] < types[j]
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s×%d", t, n[t])
	}
	return strings.Join(parts, " ")
}

// byteSize renders a size in binary units.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, "KMGT"[i-1])
}
