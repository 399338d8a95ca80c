package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/sampler"
)

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// samplingFlags registers llama.cpp's sampling options on fs, with its
// defaults, and returns a function that reads them once fs is parsed.
func samplingFlags(fs *flag.FlagSet) func() (sampler.Params, error) {
	d := sampler.DefaultParams()
	temp := fs.Float64("temp", float64(d.Temp), "temperature; 0 is greedy")
	topK := fs.Int("top-k", d.TopK, "top-k sampling (0: off)")
	topP := fs.Float64("top-p", float64(d.TopP), "top-p sampling (1: off)")
	minP := fs.Float64("min-p", float64(d.MinP), "min-p sampling (0: off)")
	typical := fs.Float64("typical", float64(d.TypicalP), "locally typical sampling, parameter p (1: off)")
	topNSigma := fs.Float64("top-nsigma", float64(d.TopNSigma), "top-n-sigma sampling (<= 0: off)")
	minKeep := fs.Int("min-keep", d.MinKeep, "least tokens the truncating samplers keep (0: off)")
	dynRange := fs.Float64("dynatemp-range", float64(d.DynaTempRange), "dynamic temperature range (0: off)")
	dynExp := fs.Float64("dynatemp-exp", float64(d.DynaTempExp), "dynamic temperature exponent")
	repeatLastN := fs.Int("repeat-last-n", d.RepeatLastN, "tokens the penalties look back over (0: off, -1: context)")
	repeat := fs.Float64("repeat-penalty", float64(d.RepeatPenalty), "repetition penalty (1: off)")
	presence := fs.Float64("presence-penalty", float64(d.PresencePenalty), "presence penalty (0: off)")
	frequency := fs.Float64("frequency-penalty", float64(d.FreqPenalty), "frequency penalty (0: off)")
	dryMult := fs.Float64("dry-multiplier", float64(d.DRYMultiplier), "DRY multiplier (0: off)")
	dryBase := fs.Float64("dry-base", float64(d.DRYBase), "DRY base")
	dryAllowed := fs.Int("dry-allowed-length", d.DRYAllowedLength, "DRY: repetitions this long are free")
	dryLastN := fs.Int("dry-penalty-last-n", d.DRYPenaltyLastN, "DRY: tokens to look back over (0: off, -1: context)")
	var dryBreakers stringList
	fs.Var(&dryBreakers, "dry-sequence-breaker", "DRY sequence breaker (repeatable; replaces the defaults; \"none\" for none)")
	xtcP := fs.Float64("xtc-probability", float64(d.XTCProbability), "XTC probability (0: off)")
	xtcT := fs.Float64("xtc-threshold", float64(d.XTCThreshold), "XTC threshold (> 0.5: off)")
	mirostat := fs.Int("mirostat", d.Mirostat, "mirostat sampling: 0 off, 1 or 2")
	mirostatLR := fs.Float64("mirostat-lr", float64(d.MirostatEta), "mirostat learning rate (eta)")
	mirostatEnt := fs.Float64("mirostat-ent", float64(d.MirostatTau), "mirostat target entropy (tau)")
	samplers := fs.String("samplers", "", "sampler order, e.g. \"top_k;top_p;min_p;temperature\" (default llama.cpp's)")
	seed := fs.String("seed", "", "random seed (default: a random one)")
	var bias stringList
	fs.Var(&bias, "logit-bias", "ID+BIAS or ID-BIAS, e.g. 15043+1 or 2-inf (repeatable)")

	return func() (sampler.Params, error) {
		p := d
		p.Temp, p.TopK, p.TopP, p.MinP = float32(*temp), *topK, float32(*topP), float32(*minP)
		p.TypicalP, p.TopNSigma, p.MinKeep = float32(*typical), float32(*topNSigma), *minKeep
		p.DynaTempRange, p.DynaTempExp = float32(*dynRange), float32(*dynExp)
		p.RepeatLastN, p.RepeatPenalty = *repeatLastN, float32(*repeat)
		p.PresencePenalty, p.FreqPenalty = float32(*presence), float32(*frequency)
		p.DRYMultiplier, p.DRYBase = float32(*dryMult), float32(*dryBase)
		p.DRYAllowedLength, p.DRYPenaltyLastN = *dryAllowed, *dryLastN
		if len(dryBreakers) > 0 {
			p.DRYSequenceBreakers = nil
			for _, b := range dryBreakers {
				if b != "none" {
					p.DRYSequenceBreakers = append(p.DRYSequenceBreakers, unescape(b))
				}
			}
		}
		p.XTCProbability, p.XTCThreshold = float32(*xtcP), float32(*xtcT)
		p.Mirostat, p.MirostatEta, p.MirostatTau = *mirostat, float32(*mirostatLR), float32(*mirostatEnt)
		if *samplers != "" {
			order, err := sampler.ParseStages(*samplers)
			if err != nil {
				return p, fmt.Errorf("%w: --samplers: %v", errUsage, err)
			}
			p.Order = order
		}
		if *seed != "" {
			s, err := strconv.ParseUint(*seed, 10, 64)
			if err != nil {
				return p, fmt.Errorf("%w: --seed %q: want a non-negative integer", errUsage, *seed)
			}
			p.Seed = s
		}
		for _, b := range bias {
			id, v, err := parseLogitBias(b)
			if err != nil {
				return p, fmt.Errorf("%w: --logit-bias %q: %v", errUsage, b, err)
			}
			if p.LogitBias == nil {
				p.LogitBias = map[int32]float32{}
			}
			p.LogitBias[id] = v
		}
		return p, nil
	}
}

// parseLogitBias reads llama.cpp's "ID+BIAS" / "ID-BIAS" form.
func parseLogitBias(s string) (int32, float32, error) {
	i := strings.IndexAny(s, "+-")
	if i <= 0 {
		return 0, 0, errors.New("want ID+BIAS or ID-BIAS")
	}
	id, err := strconv.ParseInt(s[:i], 10, 32)
	if err != nil || id < 0 {
		return 0, 0, fmt.Errorf("%q is not a token id", s[:i])
	}
	v, err := strconv.ParseFloat(s[i:], 32)
	if err != nil {
		return 0, 0, fmt.Errorf("%q is not a number", s[i:])
	}
	return int32(id), float32(v), nil
}

// unescape processes the escapes llama.cpp takes in prompts: \n \r \t \\
// \' \" \xHH. Unknown escapes are kept as they are.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '\\', '\'', '"':
			b.WriteByte(c)
		case 'x':
			if i+2 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			}
			b.WriteString(`\x`)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String()
}

// loadModel opens -m, or the embedded default model when it is empty.
func loadModel(path string) (*runtime.LM, error) {
	if path == "" {
		p, err := defaultModelPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return runtime.Load(path)
}

// parseKV reads a KV cache type flag.
func parseKV(s string) (quant.Type, error) {
	switch strings.ToLower(s) {
	case "f32":
		return quant.F32, nil
	case "f16":
		return quant.F16, nil
	}
	return 0, fmt.Errorf("%w: --kv %q: want f32 or f16", errUsage, s)
}

func runRun(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	model := fs.String("m", "", "model: a .gguf file or an HF directory (default: the built-in "+defaultModelName+")")
	prompt := fs.String("p", "", "prompt text (escapes such as \\n are processed; \"\" for none)")
	promptFile := fs.String("f", "", "read the prompt from this file (- for stdin)")
	idList := fs.String("ids", "", "prompt as comma-separated token ids instead of text")
	n := fs.Int("n", -1, "tokens to generate (-1: until end of generation or a full context)")
	ctxLen := fs.Int("c", 0, "context length (0: the model's)")
	batch := fs.Int("b", 256, "prompt tokens per forward pass")
	kv := fs.String("kv", "f16", "KV cache type: f16 (llama.cpp's default, half the memory) or f32")
	noEscape := fs.Bool("no-escape", false, "take the prompt literally (no \\n escapes)")
	var stops stringList
	fs.Var(&stops, "stop", "stop when the text reaches this string (repeatable)")
	ignoreEOS := fs.Bool("ignore-eos", false, "keep generating past end-of-generation tokens")
	grammarFile := fs.String("grammar", "", "constrain the output with this GBNF grammar file")
	schemaFile := fs.String("json-schema", "", "constrain the output to JSON matching this JSON Schema file")
	printIDs := fs.Bool("print-ids", false, "print the generated token ids, one per line, instead of text")
	verbose := fs.Bool("v", false, "print the model, the seed and the timing to stderr")
	sampling := samplingFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara run [-m MODEL] -p TEXT [-n N] [--temp T --top-k K --top-p P --min-p P --seed S …] [--grammar F | --json-schema F] [-v]")
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no positional arguments (the prompt goes after -p)"); err != nil {
		return err
	}
	params, err := sampling()
	if err != nil {
		return err
	}
	if *grammarFile != "" && *schemaFile != "" {
		return fmt.Errorf("%w: --grammar and --json-schema exclude each other", errUsage)
	}
	given := 0
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "p" || f.Name == "f" || f.Name == "ids" {
			given++
		}
	})
	if given != 1 {
		return fmt.Errorf("%w: give the prompt once: -p TEXT, -f FILE or --ids LIST (-p \"\" starts from nothing but BOS)", errUsage)
	}
	kvType, err := parseKV(*kv)
	if err != nil {
		return err
	}
	if *n < -1 || *ctxLen < 0 || *batch <= 0 {
		return fmt.Errorf("%w: -n %d, -c %d, -b %d: want -n >= -1, -c >= 0, -b > 0", errUsage, *n, *ctxLen, *batch)
	}

	lm, err := loadModel(*model)
	if err != nil {
		return err
	}
	defer lm.Close()

	var ids []int32
	switch {
	case *idList != "":
		list, err := parseTokenIDs(*idList)
		if err != nil {
			return fmt.Errorf("%w: --ids: %v", errUsage, err)
		}
		for _, id := range list {
			ids = append(ids, int32(id))
		}
	default:
		text := *prompt
		if *promptFile != "" {
			var data []byte
			if *promptFile == "-" {
				data, err = io.ReadAll(os.Stdin)
			} else {
				data, err = os.ReadFile(*promptFile)
			}
			if err != nil {
				return err
			}
			text = string(data)
		} else if !*noEscape {
			text = unescape(text)
		}
		if ids, err = lm.Encode(text); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("%w: the prompt has no tokens and the model no BOS to start from", errUsage)
	}

	s, err := lm.NewSession(runtime.SessionOptions{KV: kvType, Context: *ctxLen, Batch: *batch})
	if err != nil {
		return err
	}
	smp, err := s.NewSampler(params)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	gp := runtime.GenerateParams{Sampler: smp, IgnoreEOS: *ignoreEOS}
	if *n > 0 {
		gp.MaxTokens = *n
	}
	for _, st := range stops {
		gp.Stop = append(gp.Stop, unescape(st))
	}
	switch {
	case *grammarFile != "":
		src, err := os.ReadFile(*grammarFile)
		if err != nil {
			return err
		}
		if gp.Constraint, err = lm.Grammar(string(src)); err != nil {
			return fmt.Errorf("%s: %w", *grammarFile, err)
		}
	case *schemaFile != "":
		src, err := os.ReadFile(*schemaFile)
		if err != nil {
			return err
		}
		if gp.Constraint, err = lm.JSONSchema(src); err != nil {
			return fmt.Errorf("%s: %w", *schemaFile, err)
		}
	}
	if *verbose {
		fmt.Fprintf(os.Stderr, "model %s: %s, %d layers, dim %d, vocab %d, context %d; prompt %d tokens; seed %d\n",
			lm.Path(), lm.Model.Config.Arch, lm.Model.Config.Layers, lm.Model.Config.Dim, lm.Model.Vocab(), s.Context(), len(ids), smp.Seed())
	}

	// Ctrl-C stops generation; what was generated stays printed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *n == 0 {
		return nil
	}
	var why runtime.StopReason
	wrote := false
	for tok, err := range s.Generate(ctx, ids, gp) {
		if err != nil {
			if wrote {
				endLine(stdout)
			}
			if errors.Is(err, context.Canceled) {
				return errors.New("interrupted")
			}
			return err
		}
		out := tok.Text
		if *printIDs {
			out = strconv.Itoa(int(tok.ID)) + "\n"
		}
		if out != "" {
			if _, err := io.WriteString(stdout, out); err != nil {
				return err
			}
			wrote = wrote || !*printIDs
			if f, ok := stdout.(interface{ Flush() error }); ok {
				f.Flush()
			}
		}
		why = tok.Stop
	}
	if wrote {
		endLine(stdout)
	}
	if *verbose {
		st := s.Stats()
		fmt.Fprintf(os.Stderr, "prompt: %d tokens in %.3f s (%.1f t/s); generation: %d tokens in %.3f s (%.1f t/s); stop: %v\n",
			st.PromptTokens, st.PromptTime.Seconds(), st.PromptRate(), st.Tokens, st.GenTime.Seconds(), st.GenRate(), why)
	}
	return nil
}

// endLine ends the output with a newline when it goes to a terminal, so the
// shell's prompt does not follow the text on its line; a pipe or a file gets
// exactly the generated text.
func endLine(w io.Writer) {
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintln(f)
		}
	}
}
