package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/runtime"
)

func runLogits(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("logits", flag.ContinueOnError)
	modelPath := fs.String("m", "", "model: a .gguf file or an HF directory")
	idList := fs.String("ids", "", "comma-separated token ids, e.g. 1,5,9")
	out := fs.String("o", "", "write float32 tensor logits [T,V] to this .safetensors file")
	withHidden := fs.Bool("hidden", false, "with -o, also write hidden.embed and hidden.layerI [T,D]")
	kv := fs.String("kv", "f32", "KV cache type: f32 or f16")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara logits -m MODEL --ids 1,5,9 [-o OUT.safetensors] [--hidden] [--kv f32|f16]")
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
	if *modelPath == "" {
		return fmt.Errorf("%w: -m MODEL is required", errUsage)
	}
	ids, err := parseTokenIDs(*idList)
	if err != nil {
		return fmt.Errorf("%w: --ids: %v", errUsage, err)
	}
	if *withHidden && *out == "" {
		return fmt.Errorf("%w: --hidden needs -o", errUsage)
	}
	var kvType quant.Type
	switch strings.ToLower(*kv) {
	case "f32":
		kvType = quant.F32
	case "f16":
		kvType = quant.F16
	default:
		return fmt.Errorf("%w: --kv %q: want f32 or f16", errUsage, *kv)
	}

	path, err := resolveModel(*modelPath)
	if err != nil {
		return err
	}
	lm, err := loader.Open(path)
	if err != nil {
		return err
	}
	defer lm.Close()
	m, err := runtime.New(lm)
	if err != nil {
		return err
	}
	cache, err := m.NewCache(kvType)
	if err != nil {
		return err
	}
	T, D, V := len(ids), m.Config.Dim, m.Vocab()
	var hidden []safetensors.WriterTensor
	opt := runtime.Options{}
	if *withHidden {
		opt.Hidden = func(name string, x []float32) {
			hidden = append(hidden, float32Tensor(name, x, T, D))
		}
	}
	logits, err := m.Forward(cache, ids, 0, opt)
	if err != nil {
		return err
	}

	if *out == "" {
		return printArgmax(stdout, ids, logits, V)
	}
	tensors := append([]safetensors.WriterTensor{float32Tensor("logits", logits, T, V)}, hidden...)
	return writeOutput(*out, func(w io.Writer) error {
		return safetensors.Write(w, tensors, map[string]string{"model": *modelPath, "ids": *idList})
	})
}

// parseTokenIDs reads "1,5,9" (spaces allowed).
func parseTokenIDs(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no token ids given")
	}
	var ids []int
	for _, f := range strings.Split(s, ",") {
		id, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a token id", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// float32Tensor packs x as a float32 [rows, cols] tensor.
func float32Tensor(name string, x []float32, rows, cols int) safetensors.WriterTensor {
	data := make([]byte, 0, 4*len(x))
	for _, v := range x {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	return safetensors.WriterTensor{Name: name, DType: safetensors.F32, Shape: []int64{int64(rows), int64(cols)}, Data: data}
}

// printArgmax prints, per position, the input id and the most likely next id.
func printArgmax(w io.Writer, ids []int, logits []float32, V int) error {
	fmt.Fprintf(w, "%d positions, vocabulary %d\n%5s %8s %8s %10s\n", len(ids), V, "pos", "id", "argmax", "logit")
	for t, id := range ids {
		row := logits[t*V : (t+1)*V]
		best := 0
		for i, v := range row {
			if v > row[best] {
				best = i
			}
		}
		if _, err := fmt.Fprintf(w, "%5d %8d %8d %10.4f\n", t, id, best, row[best]); err != nil {
			return err
		}
	}
	return nil
}

// writeOutput writes path through write, removing the file if anything fails.
func writeOutput(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
