package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/narallm/nara/tokenizer"
)

func runTokenize(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	model := fs.String("m", "", "model: .gguf (vocab-only too), HF directory, tokenizer.json or tokenizer.model")
	bos := fs.Bool("bos", false, "add BOS (and whatever else the tokenizer adds: EOS, CLS/SEP)")
	special := fs.Bool("special", false, "parse special tokens such as <|im_start|> in the text")
	jsonl := fs.Bool("jsonl", false, "each input line is a JSON string; print one JSON array of ids per line")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara tokenize -m MODEL [--bos] [--special] [--jsonl] < TEXT")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no arguments (text comes on stdin)"); err != nil {
		return err
	}
	if *model == "" {
		return fmt.Errorf("%w: -m MODEL is required", errUsage)
	}
	path, err := resolveModel(*model)
	if err != nil {
		return err
	}
	tok, err := tokenizer.Load(path)
	if err != nil {
		return err
	}
	opts := tokenizer.EncodeOptions{AddSpecial: *bos, ParseSpecial: *special}
	out := bufio.NewWriter(stdout)
	defer out.Flush()

	if !*jsonl {
		text, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		ids, err := tok.Encode(string(text), opts)
		if err != nil {
			return err
		}
		buf := make([]byte, 0, 8*len(ids))
		for i, id := range ids {
			if i > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, int64(id), 10)
		}
		out.Write(append(buf, '\n'))
		return nil
	}

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<30)
	for line := 1; in.Scan(); line++ {
		var text string
		if err := json.Unmarshal(in.Bytes(), &text); err != nil {
			return fmt.Errorf("stdin line %d: not a JSON string: %v", line, err)
		}
		ids, err := tok.Encode(text, opts)
		if err != nil {
			return fmt.Errorf("stdin line %d: %w", line, err)
		}
		if ids == nil {
			ids = []int32{}
		}
		b, _ := json.Marshal(ids)
		out.Write(append(b, '\n'))
	}
	return in.Err()
}
