// Command nara runs, inspects and trains LLMs on the CPU.
//
// Usage: nara COMMAND [flags] [args]. Run `nara help` for the list.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. run returns an error to print; the exit status is
// then 1 (2 for a usage error).
type command struct {
	summary string
	run     func(args []string, stdout io.Writer) error
}

var commands = map[string]command{
	"inspect":    {"show a model's format, hyperparameters and tensors", runInspect},
	"pull":       {"download a model from the Hugging Face hub into the local cache", runPull},
	"template":   {"render a conversation with a model's chat template", runTemplate},
	"tokenize":   {"turn text on stdin into token ids", runTokenize},
	"logits":     {"run one forward pass over token ids; print or save the logits", runLogits},
	"quantize":   {"convert a GGUF file or HF directory to GGUF with llama-quantize's type presets", runQuantize},
	"gen-model":  {"write a GGUF model with random weights for benchmarks", runGenModel},
	"run":        {"generate text from a prompt, streamed to stdout", runRun},
	"chat":       {"chat with a model in the terminal; one reply per line when stdin is not one", runChat},
	"perplexity": {"score a text as llama-perplexity does; KL divergence between two models", runPerplexity},
	"bench":      {"measure prompt and generation speed (llama-bench's method) and this machine's limits", runBench},
}

// errUsage marks an error in the command line rather than in the input.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "nara: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "nara %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: nara COMMAND [flags] [args]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// parseFlags parses flags that may stand before, between or after the
// positional arguments (`nara inspect MODEL --json`), returning the
// positionals.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(os.Stderr)
				fs.Usage()
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// needArgs checks the number of positionals.
func needArgs(pos []string, n int, what string) error {
	if len(pos) != n {
		return fmt.Errorf("%w: want %s, got %q", errUsage, what, strings.Join(pos, " "))
	}
	return nil
}
