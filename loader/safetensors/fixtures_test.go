package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// fixtureFiles lists every safetensors file the fixtures hold.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var paths []string
	for _, pattern := range []string{"models/*/model.safetensors", "models/*/refs.safetensors", "quantrefs/*/*.safetensors"} {
		paths = append(paths, fixtures.Glob(t, pattern)...)
	}
	if len(paths) == 0 {
		t.Skip("no safetensors files under the fixtures")
	}
	return paths
}

func rel(t testing.TB, path string) string {
	r, err := filepath.Rel(fixtures.Root(t), path)
	if err != nil {
		return path
	}
	return r
}

func TestFixturesParse(t *testing.T) {
	for _, path := range fixtureFiles(t) {
		f, err := Open(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		counts := map[DType]int{}
		for _, ts := range f.Tensors {
			counts[ts.DType]++
		}
		t.Logf("%s: %d tensors %v, metadata %v", rel(t, path), len(f.Tensors), counts, f.Metadata)
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}

// hfConfig holds the config.json fields the cross-checks need.
type hfConfig struct {
	VocabSize  int64  `json:"vocab_size"`
	HiddenSize int64  `json:"hidden_size"`
	NumLayers  int    `json:"num_hidden_layers"`
	DType      string `json:"dtype"`
	TorchDType string `json:"torch_dtype"`
	ModelType  string `json:"model_type"`
}

// TestFixturesAgreeWithConfig checks the parsed tensors against facts the
// parser never saw: config.json's sizes, refs.json's T, and the reference
// embedding rows, which must equal rows of the embedding matrix picked by
// input_ids. A wrong offset or shape anywhere shows up as a mismatch.
//
// Gemma multiplies its embeddings by sqrt(hidden_size), and the fixtures'
// gemma hidden.embed holds the scaled rows (refs.json's note says "before any
// scaling", which is not what the data holds), so for gemma the rows are
// compared after that scale. Scaling by 8 (hidden 64) is exact in float32.
func TestFixturesAgreeWithConfig(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		name := filepath.Base(dir)
		var cfg hfConfig
		if err := readJSON(filepath.Join(dir, "config.json"), &cfg); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		model, err := Open(filepath.Join(dir, SingleFile))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		refs, err := Open(filepath.Join(dir, "refs.safetensors"))
		if err != nil {
			model.Close()
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := checkAgainstConfig(dir, cfg, model, refs, t.Logf); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		model.Close()
		refs.Close()
	}
}

func checkAgainstConfig(dir string, cfg hfConfig, model, refs *File, logf func(string, ...any)) error {
	name := filepath.Base(dir)
	wantDType := map[string]DType{"float32": F32, "bfloat16": BF16, "float16": F16}[cfg.DType+cfg.TorchDType]
	emb, ok := model.Tensor("model.embed_tokens.weight")
	if !ok {
		return fmt.Errorf("no model.embed_tokens.weight")
	}
	if emb.DType != wantDType || !slices.Equal(emb.Shape, []int64{cfg.VocabSize, cfg.HiddenSize}) {
		return fmt.Errorf("embed_tokens %s %v, config says %s [%d %d]", emb.DType, emb.Shape, wantDType, cfg.VocabSize, cfg.HiddenSize)
	}
	layers := map[string]bool{}
	for _, ts := range model.Tensors {
		if rest, ok := strings.CutPrefix(ts.Name, "model.layers."); ok {
			layers[rest[:strings.IndexByte(rest, '.')]] = true
		}
	}
	if len(layers) != cfg.NumLayers {
		return fmt.Errorf("%d layers in the weights, config says %d", len(layers), cfg.NumLayers)
	}

	ids, ok := refs.Tensor("input_ids")
	if !ok || ids.DType != I64 || len(ids.Shape) != 1 {
		return fmt.Errorf("refs input_ids missing or not I64 [T]")
	}
	T := ids.Shape[0]
	var refsJSON struct{ T *int64 }
	if err := readJSON(filepath.Join(dir, "refs.json"), &refsJSON); err != nil {
		return err
	}
	if refsJSON.T != nil && *refsJSON.T != T {
		return fmt.Errorf("input_ids has %d tokens, refs.json says T=%d", T, *refsJSON.T)
	}
	if lg, ok := refs.Tensor("logits"); !ok || lg.DType != F32 || !slices.Equal(lg.Shape, []int64{T, cfg.VocabSize}) {
		return fmt.Errorf("logits missing or not F32 [%d %d]", T, cfg.VocabSize)
	}
	he, ok := refs.Tensor("hidden.embed")
	if !ok {
		logf("%s: %d layers, T=%d; no hidden.embed to compare", name, cfg.NumLayers, T)
		return nil
	}
	if he.DType != F32 || !slices.Equal(he.Shape, []int64{T, cfg.HiddenSize}) {
		return fmt.Errorf("hidden.embed %s %v, want F32 [%d %d]", he.DType, he.Shape, T, cfg.HiddenSize)
	}
	D := cfg.HiddenSize
	scale := float32(1)
	if strings.HasPrefix(cfg.ModelType, "gemma") {
		scale = float32(math.Sqrt(float64(D)))
	}
	var maxDiff float64
	for i := int64(0); i < T; i++ {
		id := int64(binary.LittleEndian.Uint64(ids.Data[8*i:]))
		if id < 0 || id >= cfg.VocabSize {
			return fmt.Errorf("input_ids[%d] = %d out of vocab", i, id)
		}
		for j := int64(0); j < D; j++ {
			got := math.Float32frombits(binary.LittleEndian.Uint32(he.Data[4*(i*D+j):]))
			want := element(emb, id*D+j) * scale
			maxDiff = max(maxDiff, math.Abs(float64(got)-float64(want)))
		}
	}
	logf("%s: %d layers, T=%d, hidden.embed vs embed_tokens rows × %g: max |diff| %g", name, cfg.NumLayers, T, scale, maxDiff)
	if maxDiff != 0 {
		return fmt.Errorf("hidden.embed differs from the embedding rows by up to %g", maxDiff)
	}
	return nil
}

// element reads element i of a float tensor as float32 (exactly, for F32
// and BF16).
func element(t *Tensor, i int64) float32 {
	switch t.DType {
	case F32:
		return math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	case BF16:
		return math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
	}
	panic("element: unsupported dtype " + string(t.DType))
}

// TestFixturesQuantRefs: llama.cpp's logits files are for the same input_ids
// as the model's own references.
func TestFixturesQuantRefs(t *testing.T) {
	root := fixtures.Root(t)
	for _, path := range fixtures.Glob(t, "quantrefs/*/*.safetensors") {
		model := filepath.Base(filepath.Dir(path))
		q, err := Open(path)
		if err != nil {
			t.Error(err)
			continue
		}
		r, err := Open(filepath.Join(root, "models", model, "refs.safetensors"))
		if err != nil {
			q.Close()
			t.Error(err)
			continue
		}
		qi, ok1 := q.Tensor("input_ids")
		ri, ok2 := r.Tensor("input_ids")
		ql, ok3 := q.Tensor("logits")
		rl, ok4 := r.Tensor("logits")
		switch {
		case !ok1 || !ok2 || !ok3 || !ok4:
			t.Errorf("%s: input_ids or logits missing", rel(t, path))
		case !bytes.Equal(qi.Data, ri.Data):
			t.Errorf("%s: input_ids differ from the model's refs", rel(t, path))
		case !slices.Equal(ql.Shape, rl.Shape) || ql.DType != F32:
			t.Errorf("%s: logits %s %v, HF logits %v", rel(t, path), ql.DType, ql.Shape, rl.Shape)
		default:
			t.Logf("%s: %d input ids match, logits %v", rel(t, path), qi.Shape[0], ql.Shape)
		}
		q.Close()
		r.Close()
	}
}

// TestFixturesRoundTrip writes every fixture's tensors back out and parses
// them again. Where all tensors share one dtype our name order is the
// reference writer's order, so the file must come out byte-identical; mixed
// files differ only in order (the reference sorts by dtype alignment first).
func TestFixturesRoundTrip(t *testing.T) {
	for _, path := range fixtureFiles(t) {
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(path, orig)
		if err != nil {
			t.Error(err)
			continue
		}
		out := encode(t, writerTensors(f.Tensors), f.Metadata)
		g, err := Parse("rewritten "+path, out)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if err := sameTensors(f.Tensors, g.Tensors); err != nil {
			t.Errorf("%s: %v", rel(t, path), err)
		}
		if err := sameMetadata(f.Metadata, g.Metadata); err != nil {
			t.Errorf("%s: %v", rel(t, path), err)
		}
		dtypes := map[DType]bool{}
		for _, ts := range f.Tensors {
			dtypes[ts.DType] = true
		}
		if bytes.Equal(orig, out) {
			t.Logf("%s: %d tensors round-trip; byte-identical file", rel(t, path), len(f.Tensors))
			continue
		}
		why := describeDiff(orig, out, f, g)
		if len(dtypes) <= 1 {
			t.Errorf("%s: single-dtype file not byte-identical: %s", rel(t, path), why)
			continue
		}
		t.Logf("%s: %d tensors round-trip; not byte-identical (%d dtypes): %s", rel(t, path), len(f.Tensors), len(dtypes), why)
	}
}

// describeDiff says how a rewritten file differs from the original.
func describeDiff(orig, out []byte, fo, fw *File) string {
	for i := range fo.Tensors {
		a, b := &fo.Tensors[i], &fw.Tensors[i]
		if a.Name != b.Name {
			return fmt.Sprintf("tensor order differs from position %d: original has %q (%s), ours %q (%s); "+
				"so do the offsets, and with their digits the header length (%d vs %d bytes)",
				i, a.Name, a.DType, b.Name, b.DType, binary.LittleEndian.Uint64(orig), binary.LittleEndian.Uint64(out))
		}
	}
	if len(orig) != len(out) {
		return fmt.Sprintf("same tensor order, sizes %d vs %d", len(orig), len(out))
	}
	i := 0
	for orig[i] == out[i] {
		i++
	}
	return fmt.Sprintf("same tensor order, first differing byte at %d", i)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func BenchmarkParseLargest(b *testing.B) {
	var largest string
	var size int64
	for _, path := range fixtureFiles(b) {
		if st, err := os.Stat(path); err == nil && st.Size() > size {
			largest, size = path, st.Size()
		}
	}
	data, err := os.ReadFile(largest)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d bytes", rel(b, largest), len(data))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(largest, data); err != nil {
			b.Fatal(err)
		}
	}
}
