package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	_ "embed"
)

// The default model, built into the binary so that `nara run` and `nara
// chat` work on a fresh machine with no download: shakespeare-llama-5m of
// the test fixtures, a 5.2M-parameter Llama trained on the first 90% of
// tinyshakespeare (SentencePiece BPE, 1024 tokens, context 512), quantized
// to Q8_0 (5.6 MB) by
//
//	nara quantize shakespeare-llama-5m.bf16.gguf shakespeare-llama-5m.q8_0.gguf Q8_0
//
// from the fixtures' bf16 GGUF; the result is byte for byte llama-quantize's
// Q8_0 of that file. It will be replaced by a model nara trains itself.
//
// The loader maps files, so the bytes are written once to the cache,
// named by their SHA-256, and opened from there.
//
//go:embed shakespeare-llama-5m.q8_0.gguf
var defaultModel []byte

const defaultModelName = "shakespeare-llama-5m.q8_0"

var defaultModelSum = sync.OnceValue(func() string {
	sum := sha256.Sum256(defaultModel)
	return hex.EncodeToString(sum[:])
})

// modelCacheDir is where models nara writes for itself go: $NARA_HOME/models,
// else the user cache directory's nara/models.
func modelCacheDir() (string, error) {
	if home := os.Getenv("NARA_HOME"); home != "" {
		return filepath.Join(home, "models"), nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the default model: set NARA_HOME (%v)", err)
	}
	return filepath.Join(dir, "nara", "models"), nil
}

// defaultModelPath returns the path of the default model's file, writing it
// first if the cache does not hold it intact.
func defaultModelPath() (string, error) {
	dir, err := modelCacheDir()
	if err != nil {
		return "", err
	}
	sum := defaultModelSum()
	path := filepath.Join(dir, defaultModelName+"-"+sum[:16]+".gguf")
	if data, err := os.ReadFile(path); err == nil && bytes.Equal(data, defaultModel) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("default model: %w", err)
	}
	// Write aside and rename, so that a concurrent nara never opens a
	// half-written file.
	f, err := os.CreateTemp(dir, defaultModelName+"-*.tmp")
	if err != nil {
		return "", fmt.Errorf("default model: %w", err)
	}
	_, werr := f.Write(defaultModel)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("default model: writing %s: %w", f.Name(), errors.Join(werr, cerr))
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("default model: %w", err)
	}
	return path, nil
}
