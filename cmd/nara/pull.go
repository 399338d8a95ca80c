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
	bar := newProgress(ref.String(), *quiet, true)
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
	bar := newProgress(strings.TrimPrefix(path, "hf://"), false, true)
	local, err := hub.Resolve(ctx, path, hub.Options{Progress: bar.update, Logf: bar.logf})
	bar.finish()
	if errors.Is(err, context.Canceled) {
		return "", fmt.Errorf("%s: download interrupted; it resumes on the next run", path)
	}
	return local, err
}
