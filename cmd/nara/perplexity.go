package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/tokenizer"
)

// nara perplexity follows llama-perplexity's protocol, so that the numbers
// compare directly: the whole text is tokenized once (with BOS when the
// vocabulary adds one, special-token text left as text), cut into chunks
// of -c tokens; the first token of each chunk is replaced by BOS, each chunk
// runs from an empty cache, and only the second half of each chunk is scored
// (positions c/2 … c-2 predicting the tokens after them), so that every
// scored token has at least c/2 tokens of context.
//
// The error estimate is llama.cpp's: the standard error of the mean
// negative log-likelihood, times the perplexity.
//
// KL divergence: --kl-base FILE saves the base model's log-probabilities of
// every scored position, --kl FILE runs another model over the same tokens
// and reports how far its distributions are from the base's, with
// llama.cpp's statistics.
//
// The log-probability file (little-endian):
//
//	[8]byte  "NARAKLD1"
//	uint32   n_ctx, n_vocab, n_chunk
//	int32    tokens[n_ctx·n_chunk]          the text's tokens, as chunked
//	then per chunk, per scored position (n_ctx-1-n_ctx/2 of them):
//	float32  lo, step
//	uint16   q[n_vocab]                     log p(token) ≈ lo + step·q
//
// lo is the row's smallest log-probability but no more than klRange below
// its largest, so step is at most klRange/65535 (4.6e-4 nats); smaller
// log-probabilities are stored as lo.

const (
	klMagic = "NARAKLD1"
	klRange = 30 // nats kept below a row's most likely token
)

// pplResult is what --json prints.
type pplResult struct {
	Model   string  `json:"model"`
	File    string  `json:"file,omitempty"`
	Context int     `json:"ctx"`
	Chunks  int     `json:"chunks"`
	Tokens  int     `json:"tokens"` // the text's tokens
	Scored  int     `json:"scored"` // tokens scored
	PPL     float64 `json:"ppl"`
	PPLErr  float64 `json:"ppl_err"`
	NLL     float64 `json:"mean_nll"`
	Seconds float64 `json:"seconds"`
	KL      *klStat `json:"kl,omitempty"`
}

func runPerplexity(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("perplexity", flag.ContinueOnError)
	model := fs.String("m", "", "model: a .gguf file or an HF directory (default: the built-in "+defaultModelName+")")
	textFile := fs.String("f", "", "text file to score")
	ctxLen := fs.Int("c", 512, "tokens per chunk")
	batch := fs.Int("b", 0, "tokens per forward pass (0: the chunk)")
	chunks := fs.Int("chunks", -1, "score at most this many chunks (-1: all)")
	kv := fs.String("kv", "f16", "KV cache type: f16 (llama.cpp's default, half the memory) or f32")
	asJSON := fs.Bool("json", false, "print the result as one JSON object (progress goes to stderr)")
	klBase := fs.String("kl-base", "", "save the model's log-probabilities to this file, as the base of a later --kl")
	klFile := fs.String("kl", "", "compare with the base log-probabilities in this file (made by --kl-base; no -f needed)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara perplexity [-m MODEL] -f TEXT [-c 512] [-b N] [--chunks N] [--json] [--kl-base FILE | --kl FILE]")
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no positional arguments (the text goes after -f)"); err != nil {
		return err
	}
	switch {
	case *klBase != "" && *klFile != "":
		return fmt.Errorf("%w: --kl-base and --kl exclude each other", errUsage)
	case *klFile == "" && *textFile == "":
		return fmt.Errorf("%w: -f TEXT is required", errUsage)
	case *klFile != "" && *textFile != "":
		return fmt.Errorf("%w: --kl takes its tokens from the file: no -f", errUsage)
	case *ctxLen < 4 || *batch < 0 || *chunks < -1 || *chunks == 0:
		return fmt.Errorf("%w: -c %d, -b %d, --chunks %d: want -c >= 4, -b >= 0, --chunks > 0 or -1", errUsage, *ctxLen, *batch, *chunks)
	}
	kvType, err := parseKV(*kv)
	if err != nil {
		return err
	}
	lm, err := loadModel(*model)
	if err != nil {
		return err
	}
	defer lm.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	progress := stdout
	if *asJSON {
		progress = os.Stderr
	}

	var e *pplEval
	if *klFile != "" {
		if e, err = openKLBase(*klFile, lm.Model.Vocab(), *chunks); err != nil {
			return err
		}
		defer e.base.Close()
	} else {
		text, err := os.ReadFile(*textFile)
		if err != nil {
			return err
		}
		// llama.cpp's common_tokenize(ctx, text, add_special=true,
		// parse_special=false).
		tokens, err := lm.Tokenizer.Encode(string(text), tokenizer.EncodeOptions{AddSpecial: true})
		if err != nil {
			return fmt.Errorf("%s: %w", *textFile, err)
		}
		c := *ctxLen
		if len(tokens) < 2*c {
			return fmt.Errorf("%s: %d tokens; perplexity with a context of %d needs at least %d", *textFile, len(tokens), c, 2*c)
		}
		n := len(tokens) / c
		if *chunks > 0 {
			n = min(n, *chunks)
		}
		e = &pplEval{ctx: c, chunks: n, tokens: tokens}
		if *klBase != "" {
			if e.save, err = createKLBase(*klBase, c, lm.Model.Vocab(), n, tokens[:n*c]); err != nil {
				return err
			}
			defer e.save.abort()
		}
	}
	e.batch = *batch
	if e.batch == 0 || e.batch > e.ctx {
		e.batch = e.ctx
	}
	e.bos = -1
	if lm.AddsBOS() {
		e.bos = lm.Tokenizer.BOS()
	}

	start := time.Now()
	fmt.Fprintf(os.Stderr, "perplexity: %s, %d tokens, %d chunks of %d\n", lm.Path(), len(e.tokens), e.chunks, e.ctx)
	if err := e.run(ctx, lm.Model, kvType, progress); err != nil {
		return err
	}
	if e.save != nil {
		if err := e.save.finish(); err != nil {
			return err
		}
	}
	res := pplResult{
		Model: lm.Path(), File: *textFile, Context: e.ctx, Chunks: e.chunks, Tokens: len(e.tokens),
		Scored: e.count, Seconds: time.Since(start).Seconds(),
	}
	res.NLL, res.PPL, res.PPLErr = e.final()
	if e.base != nil {
		res.KL = e.kl.finish()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "\nFinal estimate: PPL = %.4f +/- %.5f\n", res.PPL, res.PPLErr)
	if res.KL != nil {
		res.KL.print(stdout)
	}
	return nil
}

// pplEval is one perplexity run over a tokenized text.
type pplEval struct {
	ctx, batch, chunks int
	tokens             []int32
	bos                int32 // -1: the vocabulary adds none

	nll, nll2 float64 // sums of the scored tokens' -log p and its square
	count     int

	save *klWriter // --kl-base
	base *klReader // --kl
	kl   klAccum
}

// run scores every chunk, printing the running perplexity as llama.cpp
// does ("[1]24.1234,[2]…").
func (e *pplEval) run(ctx context.Context, m *runtime.Model, kv quant.Type, progress io.Writer) error {
	V := m.Vocab()
	cache, err := m.NewCache(kv)
	if err != nil {
		return err
	}
	c, first := e.ctx, e.ctx/2
	n := c - 1 - first // scored positions per chunk
	rows := make([]float32, n*V)
	ids := make([]int, c)
	logp := make([]float64, V)
	for i := range e.chunks {
		start := i * c
		for k := range c {
			ids[k] = int(e.tokens[start+k])
		}
		if e.bos >= 0 {
			ids[0] = int(e.bos)
		}
		for p := 0; p < c; p += e.batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			end := min(p+e.batch, c)
			// A batch before the scored half needs no logits.
			logits, err := m.Forward(cache, ids[p:end], p, runtime.Options{LastOnly: end <= first})
			if err != nil {
				return err
			}
			for j := max(p, first); j < min(end, c-1); j++ {
				copy(rows[(j-first)*V:(j-first+1)*V], logits[(j-p)*V:(j-p+1)*V])
			}
		}
		var base []klRow
		if e.base != nil {
			if base, err = e.base.chunk(n); err != nil {
				return err
			}
		}
		for j := range n {
			target := e.tokens[start+first+j+1]
			logSoftmax(logp, rows[j*V:(j+1)*V])
			lp := logp[target]
			e.nll -= lp
			e.nll2 += lp * lp
			e.count++
			if e.save != nil {
				if err := e.save.row(logp); err != nil {
					return err
				}
			}
			if base != nil {
				e.kl.add(base[j], logp, target)
			}
		}
		fmt.Fprintf(progress, "[%d]%.4f,", i+1, math.Exp(e.nll/float64(e.count)))
	}
	fmt.Fprintln(progress)
	return nil
}

// final returns the mean NLL, the perplexity and llama.cpp's error estimate
// of it.
func (e *pplEval) final() (nll, ppl, err float64) {
	n := float64(e.count)
	nll = e.nll / n
	ppl = math.Exp(nll)
	v := e.nll2/n - nll*nll
	if v > 0 && e.count > 1 {
		err = math.Sqrt(v/(n-1)) * ppl
	}
	return nll, ppl, err
}

// logSoftmax writes log p of every token for logits x, in float64.
func logSoftmax(dst []float64, x []float32) {
	mx := x[0]
	for _, v := range x {
		mx = max(mx, v)
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - mx))
	}
	lse := float64(mx) + math.Log(sum)
	for i, v := range x {
		dst[i] = float64(v) - lse
	}
}

// klRow is one base distribution as stored: log p ≈ lo + step·q.
type klRow struct {
	lo, step float32
	q        []uint16
}

func (r klRow) logp(i int) float64 { return float64(r.lo) + float64(r.step)*float64(r.q[i]) }

// klWriter writes a log-probability file, removing it unless finished.
type klWriter struct {
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	done bool
}

func createKLBase(path string, ctx, vocab, chunks int, tokens []int32) (*klWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	k := &klWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), buf: make([]byte, 8+2*vocab)}
	hdr := []byte(klMagic)
	for _, v := range []int{ctx, vocab, chunks} {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(v))
	}
	for _, t := range tokens {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(t))
	}
	if _, err := k.w.Write(hdr); err != nil {
		k.abort()
		return nil, err
	}
	return k, nil
}

// row stores one position's log-probabilities.
func (k *klWriter) row(logp []float64) error {
	hi := slices.Max(logp)
	lo := max(slices.Min(logp), hi-klRange)
	step := (hi - lo) / 65535
	b := k.buf
	binary.LittleEndian.PutUint32(b, math.Float32bits(float32(lo)))
	binary.LittleEndian.PutUint32(b[4:], math.Float32bits(float32(step)))
	// Quantize against the float32 lo and step the reader will use.
	lo32, step32 := float64(float32(lo)), float64(float32(step))
	for i, v := range logp {
		q := 0.0
		if step32 > 0 {
			q = math.Round((v - lo32) / step32)
		}
		binary.LittleEndian.PutUint16(b[8+2*i:], uint16(min(max(q, 0), 65535)))
	}
	_, err := k.w.Write(b)
	return err
}

func (k *klWriter) finish() error {
	err := k.w.Flush()
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(k.f.Name())
		return err
	}
	k.done = true
	return nil
}

// abort removes an unfinished file.
func (k *klWriter) abort() {
	if !k.done {
		k.f.Close()
		os.Remove(k.f.Name())
	}
}

// klReader reads a log-probability file chunk by chunk.
type klReader struct {
	f     *os.File
	r     *bufio.Reader
	path  string
	vocab int
	rows  []klRow
	data  []byte
}

func (k *klReader) Close() error { return k.f.Close() }

// openKLBase checks a log-probability file's header against its size and
// the model before reading anything it sizes, and returns the evaluation it
// describes.
func openKLBase(path string, vocab, maxChunks int) (*pplEval, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fail := func(format string, a ...any) (*pplEval, error) {
		f.Close()
		return nil, fmt.Errorf("%s: "+format, append([]any{path}, a...)...)
	}
	st, err := f.Stat()
	if err != nil {
		return fail("%v", err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	hdr := make([]byte, 8+12)
	if _, err := io.ReadFull(r, hdr); err != nil || string(hdr[:8]) != klMagic {
		return fail("not a log-probability file from nara perplexity --kl-base (bad magic)")
	}
	c := int64(binary.LittleEndian.Uint32(hdr[8:]))
	v := int64(binary.LittleEndian.Uint32(hdr[12:]))
	n := int64(binary.LittleEndian.Uint32(hdr[16:]))
	if c < 4 || c > 1<<24 {
		return fail("n_ctx %d outside 4…%d", c, 1<<24)
	}
	if v != int64(vocab) {
		return fail("n_vocab %d, but the model has %d tokens", v, vocab)
	}
	if n < 1 {
		return fail("n_chunk %d", n)
	}
	scored := c - 1 - c/2
	// Every product below is bounded: c < 2^25, v = the model's vocabulary,
	// and n is checked against the size before it multiplies anything big.
	perChunk := 4*c + scored*(8+2*v)
	if n > st.Size()/perChunk {
		return fail("n_chunk %d: the file holds %d bytes, too few for them", n, st.Size())
	}
	if want := 20 + n*perChunk; want != st.Size() {
		return fail("size %d bytes, the header says %d", st.Size(), want)
	}
	tokens := make([]int32, c*n)
	raw := make([]byte, 4*c*n)
	if _, err := io.ReadFull(r, raw); err != nil {
		return fail("tokens: %v", err)
	}
	for i := range tokens {
		tokens[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		if tokens[i] < 0 || int64(tokens[i]) >= v {
			return fail("token %d is %d, outside the vocabulary", i, tokens[i])
		}
	}
	chunks := int(n)
	if maxChunks > 0 {
		chunks = min(chunks, maxChunks)
	}
	k := &klReader{f: f, r: r, path: path, vocab: vocab, data: make([]byte, scored*(8+2*v))}
	return &pplEval{ctx: int(c), chunks: chunks, tokens: tokens, base: k}, nil
}

// chunk reads the next chunk's n rows.
func (k *klReader) chunk(n int) ([]klRow, error) {
	if _, err := io.ReadFull(k.r, k.data); err != nil {
		return nil, fmt.Errorf("%s: log-probabilities: %w", k.path, err)
	}
	for len(k.rows) < n {
		k.rows = append(k.rows, klRow{q: make([]uint16, k.vocab)})
	}
	row := 8 + 2*k.vocab
	for j := range n {
		b, r := k.data[j*row:(j+1)*row], &k.rows[j]
		r.lo = math.Float32frombits(binary.LittleEndian.Uint32(b))
		r.step = math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))
		if !isFinite(r.lo) || !isFinite(r.step) || r.step < 0 {
			return nil, fmt.Errorf("%s: row %d of a chunk: lo %g, step %g", k.path, j, r.lo, r.step)
		}
		for i := range r.q {
			r.q[i] = binary.LittleEndian.Uint16(b[8+2*i:])
		}
	}
	return k.rows[:n], nil
}

func isFinite(x float32) bool { return !math.IsInf(float64(x), 0) && !math.IsNaN(float64(x)) }

// klAccum gathers llama.cpp's --kl-divergence statistics.
type klAccum struct {
	nll, nll2, nllBase, nllBase2, nllCross float64
	kld, kld2                              float64
	dp2, dp4                               float64
	sameTop, count                         int
	klds, dps                              []float64
}

// add compares one position: base as stored, logp the model's, target the
// token that came next.
func (a *klAccum) add(base klRow, logp []float64, target int32) {
	var kl float64
	top, topBase := 0, 0
	for i, lq := range logp {
		lb := base.logp(i)
		kl += math.Exp(lb) * (lb - lq)
		if lq > logp[top] {
			top = i
		}
		if base.q[i] > base.q[topBase] {
			topBase = i
		}
	}
	nll, nllBase := -logp[target], -base.logp(int(target))
	a.nll += nll
	a.nll2 += nll * nll
	a.nllBase += nllBase
	a.nllBase2 += nllBase * nllBase
	a.nllCross += nll * nllBase
	a.kld += kl
	a.kld2 += kl * kl
	dp := math.Exp(-nll) - math.Exp(-nllBase)
	a.dp2 += dp * dp
	a.dp4 += dp * dp * dp * dp
	if top == topBase {
		a.sameTop++
	}
	a.count++
	a.klds = append(a.klds, kl)
	a.dps = append(a.dps, dp)
}

// klStat is the summary --kl prints.
type klStat struct {
	PPL         float64 `json:"ppl"`
	PPLErr      float64 `json:"ppl_err"`
	PPLBase     float64 `json:"ppl_base"`
	PPLBaseErr  float64 `json:"ppl_base_err"`
	Correlation float64 `json:"ln_ppl_correlation"`
	LnRatio     float64 `json:"mean_ln_ppl_ratio"`
	LnRatioErr  float64 `json:"mean_ln_ppl_ratio_err"`
	Mean        float64 `json:"mean_kld"`
	MeanErr     float64 `json:"mean_kld_err"`
	Max         float64 `json:"max_kld"`
	Percentiles []pct   `json:"kld_percentiles"`
	Min         float64 `json:"min_kld"`
	DpRMS       float64 `json:"rms_delta_p"`
	DpRMSErr    float64 `json:"rms_delta_p_err"`
	DpMax       float64 `json:"max_abs_delta_p"`
	SameTop     float64 `json:"same_top_p"`
	SameTopErr  float64 `json:"same_top_p_err"`
}

type pct struct {
	Pct   float64 `json:"pct"`
	Value float64 `json:"value"`
}

// meanErr is llama.cpp's mean_and_uncertainty.
func meanErr(sum, sum2 float64, n int) (float64, float64) {
	if n < 1 {
		return 0, 0
	}
	f := sum / float64(n)
	d := sum2/float64(n) - f*f
	if d > 0 && n > 10 {
		return f, math.Sqrt(d / float64(n-1))
	}
	return f, 0
}

// percentile interpolates linearly between the sorted values, as llama.cpp.
func percentile(sorted []float64, fraction float64) float64 {
	if fraction <= 0 {
		return sorted[0]
	}
	if fraction >= 1 {
		return sorted[len(sorted)-1]
	}
	p := fraction * float64(len(sorted)-1)
	i := int(p)
	p -= float64(i)
	return (1-p)*sorted[i] + p*sorted[min(i+1, len(sorted)-1)]
}

func (a *klAccum) finish() *klStat {
	if a.count == 0 {
		return &klStat{}
	}
	s := &klStat{}
	lnQ, lnQErr := meanErr(a.nll, a.nll2, a.count)
	lnB, lnBErr := meanErr(a.nllBase, a.nllBase2, a.count)
	s.PPL, s.PPLErr = math.Exp(lnQ), math.Exp(lnQ)*lnQErr
	s.PPLBase, s.PPLBaseErr = math.Exp(lnB), math.Exp(lnB)*lnBErr
	var cov float64
	if n := float64(a.count); a.count >= 10 {
		cov = (a.nllCross/n - (a.nll/n)*(a.nllBase/n)) / (n - 1)
	}
	if lnQErr > 0 && lnBErr > 0 {
		s.Correlation = cov / (lnQErr * lnBErr)
	}
	s.LnRatio = lnQ - lnB
	s.LnRatioErr = math.Sqrt(max(lnQErr*lnQErr+lnBErr*lnBErr-2*cov, 0))
	s.Mean, s.MeanErr = meanErr(a.kld, a.kld2, a.count)
	mse, mseErr := meanErr(a.dp2, a.dp4, a.count)
	s.DpRMS = math.Sqrt(mse)
	if s.DpRMS > 0 {
		s.DpRMSErr = 0.5 / s.DpRMS * mseErr
	}
	p := float64(a.sameTop) / float64(a.count)
	s.SameTop = p
	if a.count > 1 {
		s.SameTopErr = math.Sqrt(p * (1 - p) / float64(a.count-1))
	}
	k := slices.Clone(a.klds)
	slices.Sort(k)
	s.Max, s.Min = k[len(k)-1], k[0]
	for _, f := range []float64{99.9, 99, 95, 90, 50, 10, 5, 1, 0.1} {
		v := percentile(k, f/100)
		if f == 50 && len(k)%2 == 0 { // llama.cpp's median: the middle pair's mean
			v = (k[len(k)/2] + k[len(k)/2-1]) / 2
		}
		s.Percentiles = append(s.Percentiles, pct{f, v})
	}
	for _, d := range a.dps {
		s.DpMax = max(s.DpMax, math.Abs(d))
	}
	return s
}

func (s *klStat) print(w io.Writer) {
	fmt.Fprintf(w, "\n====== Perplexity statistics ======\n")
	fmt.Fprintf(w, "Mean PPL(Q)                   : %10.6f ± %10.6f\n", s.PPL, s.PPLErr)
	fmt.Fprintf(w, "Mean PPL(base)                : %10.6f ± %10.6f\n", s.PPLBase, s.PPLBaseErr)
	fmt.Fprintf(w, "Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%%\n", 100*s.Correlation)
	fmt.Fprintf(w, "Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f\n", s.LnRatio, s.LnRatioErr)
	fmt.Fprintf(w, "\n====== KL divergence statistics ======\n")
	fmt.Fprintf(w, "Mean    KLD: %10.6f ± %10.6f\n", s.Mean, s.MeanErr)
	fmt.Fprintf(w, "Maximum KLD: %10.6f\n", s.Max)
	for _, p := range s.Percentiles {
		name := fmt.Sprintf("%4.1f%%  ", p.Pct)
		if p.Pct == 50 {
			name = "Median "
		}
		fmt.Fprintf(w, "%s KLD: %10.6f\n", name, p.Value)
	}
	fmt.Fprintf(w, "Minimum KLD: %10.6f\n", s.Min)
	fmt.Fprintf(w, "\n====== Token probability statistics ======\n")
	fmt.Fprintf(w, "RMS Δp    : %6.3f ± %5.3f %%\n", 100*s.DpRMS, 100*s.DpRMSErr)
	fmt.Fprintf(w, "Maximum Δp: %6.3f%%\n", 100*s.DpMax)
	fmt.Fprintf(w, "Same top p: %6.3f ± %5.3f %%\n", 100*s.SameTop, 100*s.SameTopErr)
}
