package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/bench"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/runtime"
)

// benchResult is one test's throughput over the repetitions.
type benchResult struct {
	Test       string  `json:"test"` // "pp512", "tg128"
	TokensPerS float64 `json:"tokens_per_s"`
	Stddev     float64 `json:"stddev"`
	GBps       float64 `json:"weights_gb_per_s,omitempty"` // tg: weight bytes read per token × t/s
	ReadGBps   float64 `json:"read_gb_per_s,omitempty"`    // tg: read bandwidth measured between its repetitions
	GFlops     float64 `json:"gflop_per_s,omitempty"`      // pp: 2·params·tokens / time

	*benchMemory // on the last test: the memory held until then
}

// benchHardware is the JSON form of the machine's measured limits.
type benchHardware struct {
	Test      string  `json:"test"` // "hw"
	Threads   int     `json:"threads"`
	ReadGBps  float64 `json:"read_gb_per_s"`
	FMAGFlops float64 `json:"fma_gflop_per_s"`
	FMAKind   string  `json:"fma_kind"`
}

func runBench(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	modelPath := fs.String("m", "", "model: a .gguf file or an HF directory")
	nPrompt := fs.Int("p", 512, "prompt tokens processed in one batch (pp test; 0 skips it)")
	nGen := fs.Int("n", 128, "tokens generated one at a time from an empty context (tg test; 0 skips it)")
	threads := fs.Int("t", 0, "threads (0: GOMAXPROCS)")
	reps := fs.Int("r", 3, "repetitions of each test")
	asJSON := fs.Bool("json", false, "print JSON: the tests, then the hardware figures")
	hwOnly := fs.Bool("hw", false, "print only this machine's read bandwidth and FMA peak")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the model tests to this file (for go tool pprof)")
	kv := fs.String("kv", "f16", "KV cache type: f16 (llama.cpp's default) or f32")
	repack := fs.Bool("repack", true, "repack weights into the kernels' packed layout at load (false: run them from the file's mapping)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara bench -m MODEL [-p 512] [-n 128] [-t THREADS] [-r 3] [--kv f16] [--repack=false] [--json] [--hw]\n\n"+
			"Measures prompt processing (pp: one batch of -p tokens) and text generation\n"+
			"(tg: -n single-token steps from an empty context) as llama-bench does, in\n"+
			"tokens/s, mean ± standard deviation over -r repetitions after a warm-up; with\n"+
			"the GB/s of weights read during tg next to the read bandwidth measured\n"+
			"between its repetitions, GFLOP/s during pp next to the f32 FMA peak, this\n"+
			"machine's read bandwidth and FMA peak measured in the same run, and the peak\n"+
			"resident memory next to the model file and KV cache sizes.")
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no positional arguments (the model goes after -m)"); err != nil {
		return err
	}
	if *nPrompt < 0 || *nGen < 0 || *reps < 1 || *threads < 0 {
		return fmt.Errorf("%w: -p and -n must be ≥ 0, -r ≥ 1, -t ≥ 0", errUsage)
	}
	if !*hwOnly && *modelPath == "" {
		return fmt.Errorf("%w: -m MODEL is required (or --hw)", errUsage)
	}
	kvType, err := parseKV(*kv)
	if err != nil {
		return err
	}
	asm.SetThreads(*threads)
	defer asm.SetThreads(0)
	nThreads := asm.Threads()

	var results []benchResult
	var mem benchMemory
	if !*hwOnly {
		if *cpuProfile != "" {
			f, err := os.Create(*cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
		}
		results, mem, err = benchModel(*modelPath, *nPrompt, *nGen, *reps, kvType, *repack, *asJSON, stdout)
		pprof.StopCPUProfile() // a no-op when not profiling
		if err != nil {
			return err
		}
		if len(results) > 0 {
			results[len(results)-1].benchMemory = &mem
		}
	}
	// Measured after the model so the model's page cache is not disturbed.
	hw := bench.Measure(nThreads, 512<<20)

	if *asJSON {
		list := []any{}
		for _, r := range results {
			list = append(list, r)
		}
		list = append(list, benchHardware{"hw", hw.Threads, hw.ReadGBps, hw.FMAGFlops, hw.FMAKind})
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	fmt.Fprintf(stdout, "hardware (%d threads): read %.1f GB/s, f32 FMA peak %.1f GFLOP/s (%s)\n",
		hw.Threads, hw.ReadGBps, hw.FMAGFlops, hw.FMAKind)
	if len(results) > 0 {
		fmt.Fprintf(stdout, "| %-7s | %17s | %-31s |\n", "test", "t/s", "rate")
		for _, r := range results {
			rate := ""
			if r.GBps > 0 {
				rate = fmt.Sprintf("%.1f GB/s (%.0f%% of %.1f read)", r.GBps, 100*r.GBps/r.ReadGBps, r.ReadGBps)
			} else if r.GFlops > 0 {
				rate = fmt.Sprintf("%.1f GFLOP/s (%.0f%% of FMA)", r.GFlops, 100*r.GFlops/hw.FMAGFlops)
			}
			fmt.Fprintf(stdout, "| %-7s | %8.2f ± %6.2f | %-31s |\n", r.Test, r.TokensPerS, r.Stddev, rate)
		}
	}
	if len(results) > 0 {
		fmt.Fprintf(stdout, "memory: peak RSS %.1f MiB; model file %.1f MiB + %s KV cache %.1f MiB = %.1f MiB\n",
			mib(mem.PeakRSS), mib(mem.FileBytes), mem.KVType, mib(mem.KVBytes), mib(mem.FileBytes+mem.KVBytes))
	}
	return nil
}

// benchMemory is what the model tests held: the process's peak resident
// memory (which includes the mapped weights it touched) beside the model
// file and the KV cache.
type benchMemory struct {
	PeakRSS   int64  `json:"peak_rss_bytes"`
	FileBytes int64  `json:"model_file_bytes"`
	KVType    string `json:"kv_type"`
	KVBytes   int64  `json:"kv_cache_bytes"`
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// tgReadBytes is the buffer the tg test measures read bandwidth over
// between its repetitions: four times this machine's L3.
const tgReadBytes = 128 << 20

// benchModel loads the model and runs the pp and tg tests.
func benchModel(modelPath string, nPrompt, nGen, reps int, kv quant.Type, repack, quiet bool, stdout io.Writer) (_ []benchResult, mem benchMemory, _ error) {
	mem.KVType = kv.String()
	// The tg test's read-bandwidth buffer is resident from before the model
	// loads until the peak is read, so the peak minus the buffer is what
	// the model tests held.
	var reader *bench.Reader
	if nGen > 0 {
		reader = bench.NewReader(tgReadBytes)
		defer reader.Close()
	}
	defer func() {
		mem.PeakRSS, _ = bench.PeakRSS()
		if reader != nil {
			mem.PeakRSS -= int64(reader.Bytes())
		}
	}()
	path, err := resolveModel(modelPath)
	if err != nil {
		return nil, mem, err
	}
	lm, err := loader.Open(path)
	if err != nil {
		return nil, mem, err
	}
	defer lm.Close()
	runtime.PackWeights = repack
	m, err := runtime.New(lm)
	if err != nil {
		return nil, mem, err
	}
	cache, err := m.NewCache(kv)
	if err != nil {
		return nil, mem, err
	}
	mem.FileBytes = fileBytes(path)
	w := weightsOf(lm)
	cfg := m.Config
	if nPrompt+1 > cfg.ContextLen && cfg.ContextLen > 0 || nGen > cfg.ContextLen && cfg.ContextLen > 0 {
		return nil, mem, fmt.Errorf("%w: -p %d / -n %d exceed the context length %d", errUsage, nPrompt, nGen, cfg.ContextLen)
	}
	if !quiet {
		fmt.Fprintf(stdout, "model %s: %s, %.1f MiB of weights per token (%.1f MiB packed), %.2f B parameters in matrices; kernels %s, %d threads\n",
			filepath.Base(path), w.types, float64(w.tokenBytes)/(1<<20), mib(int64(m.PackedBytes())), float64(w.layerParams+w.outParams)/1e9, asm.Active(), asm.Threads())
	}

	// Random tokens, as llama-bench uses.
	rng := rand.New(rand.NewPCG(1, 2))
	tokens := make([]int, max(nPrompt, 1))
	for i := range tokens {
		tokens[i] = rng.IntN(cfg.VocabSize)
	}
	var logits []float32
	forward := func(ids []int, pos int) error {
		var err error
		logits, err = m.Forward(cache, ids, pos, runtime.Options{LastOnly: true, Logits: logits})
		return err
	}
	var results []benchResult

	if nPrompt > 0 {
		if err := forward(tokens[:min(nPrompt, 16)], 0); err != nil { // warm-up
			return nil, mem, err
		}
		rates := make([]float64, reps)
		for r := range rates {
			t0 := time.Now()
			if err := forward(tokens[:nPrompt], 0); err != nil {
				return nil, mem, err
			}
			rates[r] = float64(nPrompt) / time.Since(t0).Seconds()
		}
		mean, sd := meanSD(rates)
		flops := 2 * (float64(w.layerParams)*float64(nPrompt) + float64(w.outParams))
		results = append(results, benchResult{Test: fmt.Sprintf("pp%d", nPrompt), TokensPerS: mean, Stddev: sd,
			GFlops: flops / (float64(nPrompt) / mean) / 1e9})
	}
	if nGen > 0 {
		if err := forward(tokens[:1], 0); err != nil { // warm-up
			return nil, mem, err
		}
		// The read bandwidth is measured before each repetition and after
		// the last, and averaged: the machine's spare bandwidth moves
		// from second to second, so one figure taken at another time
		// made the ratio swing between 49% and 118% from run to run.
		rates := make([]float64, reps)
		readGBps := reader.Measure(asm.Threads(), 2)
		for r := range rates {
			tok := tokens[0]
			t0 := time.Now()
			for p := range nGen {
				if err := forward([]int{tok}, p); err != nil {
					return nil, mem, err
				}
				tok = rng.IntN(cfg.VocabSize)
			}
			rates[r] = float64(nGen) / time.Since(t0).Seconds()
			readGBps += reader.Measure(asm.Threads(), 2)
		}
		mean, sd := meanSD(rates)
		results = append(results, benchResult{Test: fmt.Sprintf("tg%d", nGen), TokensPerS: mean, Stddev: sd,
			GBps: float64(w.tokenBytes) * mean / 1e9, ReadGBps: readGBps / float64(reps+1)})
	}
	mem.KVBytes = cache.Bytes()
	return results, mem, nil
}

// fileBytes is the size of the model: the file, or the files of a
// directory (safetensors shards and their side files); 0 when unknown.
func fileBytes(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if !st.IsDir() {
		return st.Size()
	}
	var n int64
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// modelWeights sums what one token reads and computes.
type modelWeights struct {
	tokenBytes  int64  // bytes of every matrix a decode step multiplies by
	layerParams int64  // elements of the decoder layers' matrices
	outParams   int64  // elements of the classifier
	types       string // the matrix types present, e.g. "Q4_0 + Q6_K"
}

// weightsOf finds the matrices of lm: the layers' 2-D tensors and the
// classifier (the token embeddings when they are tied). The embeddings
// themselves are looked up one row per token, not multiplied.
func weightsOf(lm *loader.Model) modelWeights {
	var w modelWeights
	seen := map[quant.Type]bool{}
	var types []string
	add := func(t *loader.Tensor) {
		w.tokenBytes += int64(len(t.Data))
		if !seen[t.Type] {
			seen[t.Type] = true
			types = append(types, t.Type.String())
		}
	}
	for _, name := range lm.Order {
		t := lm.Tensors[name]
		if len(t.Shape) == 2 && strings.HasPrefix(name, "blk.") {
			add(t)
			w.layerParams += int64(t.Elems())
		}
	}
	out := lm.Tensors["output.weight"]
	if out == nil {
		out = lm.Tensors["token_embd.weight"]
	}
	if out != nil {
		add(out)
		w.outParams = int64(out.Elems())
	}
	w.types = strings.Join(types, " + ")
	return w
}

// meanSD returns the mean and the sample standard deviation (as llama-bench
// reports them).
func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)-1))
}
