package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/narallm/nara/loader/convert"
)

func runGenModel(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen-model", flag.ContinueOnError)
	shapeName := fs.String("shape", "tinyllama", "model shape: "+strings.Join(convert.ShapeNames(), ", "))
	typ := fs.String("type", "Q4_0", "tensor type preset: "+strings.Join(convert.PresetNames(), " "))
	out := fs.String("o", "", "output .gguf file")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same file")
	threads := fs.Int("threads", 0, "threads generating and quantizing (0: all CPUs)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara gen-model --shape tinyllama|llama32-1b|llama7b|small --type Q4_0|Q8_0|Q4_K_M|F16|… -o F.gguf [--seed S] [--threads N]\n\n"+
			"Writes a Llama-family model with random weights N(0, 0.02) and a generated\n"+
			"vocabulary, for benchmarks. Tensors are generated while they are written.")
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no positional arguments (the output goes after -o)"); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: -o F.gguf is required", errUsage)
	}
	shape, err := convert.ParseShape(*shapeName)
	if err != nil {
		return fmt.Errorf("%w: --shape: %v", errUsage, err)
	}
	preset, err := convert.ParsePreset(*typ)
	if err != nil {
		return fmt.Errorf("%w: --type: %v", errUsage, err)
	}
	if *threads < 0 {
		return fmt.Errorf("%w: --threads %d", errUsage, *threads)
	}
	start := time.Now()
	size, err := writeAtomically(*out, "gen-model "+shape.Name+" "+preset.Name, func(w io.Writer, progress func(done, total int64)) error {
		return convert.Generate(w, shape, preset, *seed, convert.Options{Threads: *threads, Progress: progress})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s %s (vocab %d, hidden %d, ffn %d, %d layers, %d/%d heads), seed %d, %s in %.1fs\n",
		*out, shape.Name, preset.Name, shape.Vocab, shape.Dim, shape.FFN, shape.Layers, shape.Heads, shape.KVHeads,
		*seed, byteSize(size), time.Since(start).Seconds())
	return nil
}
