package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/loader/safetensors"
)

// inspectTensor is one row of the tensor table, as the file stores it: GGUF
// shapes in ggml order (innermost first), safetensors shapes outermost first.
type inspectTensor struct {
	Name  string   `json:"name"`
	Type  string   `json:"type"`
	Shape []uint64 `json:"shape"`
}

type inspectReport struct {
	Path         string          `json:"path"`
	Format       string          `json:"format"`
	Version      uint32          `json:"version,omitempty"`
	Architecture string          `json:"architecture"`
	Metadata     map[string]any  `json:"metadata"`
	Tensors      []inspectTensor `json:"tensors"`
	Config       *loader.Config  `json:"config,omitempty"`
	ConfigError  string          `json:"config_error,omitempty"`
	Tokenizer    string          `json:"tokenizer,omitempty"`
	ChatTemplate bool            `json:"chat_template"`
}

func runInspect(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara inspect MODEL [--json]   (MODEL: a .gguf file or an HF directory)")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "one MODEL"); err != nil {
		return err
	}
	path, err := resolveModel(pos[0])
	if err != nil {
		return err
	}
	rep, err := inspect(path)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printInspect(stdout, rep)
	return nil
}

// inspect reads a model at the format level, so that vocab-only GGUFs and
// files whose hyperparameters nara cannot run are still shown; the model
// description is added when it can be built.
func inspect(path string) (*inspectReport, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var rep *inspectReport
	switch {
	case st.IsDir():
		rep, err = inspectHF(path)
	case !isGGUF(path) && strings.HasSuffix(path, ".safetensors"):
		// A lone safetensors file: its tensors, but no model to describe.
		return inspectSafetensorsFile(path)
	default:
		rep, err = inspectGGUF(path)
	}
	if err != nil {
		return nil, err
	}
	if m, err := loader.Open(path); err != nil {
		rep.ConfigError = err.Error()
	} else {
		rep.Config = m.Config
		m.Close()
	}
	return rep, nil
}

func inspectGGUF(path string) (*inspectReport, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep := &inspectReport{Path: path, Format: "gguf", Version: f.Version, Metadata: map[string]any{}, Tensors: []inspectTensor{}}
	rep.Architecture, _ = f.String("general.architecture")
	for _, kv := range f.KVs {
		rep.Metadata[kv.Key] = summarize(kv.Value.Any())
	}
	for _, t := range f.Tensors {
		rep.Tensors = append(rep.Tensors, inspectTensor{t.Name, t.Type.String(), t.Dims})
	}
	if model, ok := f.String("tokenizer.ggml.model"); ok {
		rep.Tokenizer = "gguf " + model
	}
	_, rep.ChatTemplate = f.String("tokenizer.chat_template")
	return rep, nil
}

// isGGUF reports whether the file starts with the GGUF magic.
func isGGUF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == "GGUF"
}

func inspectSafetensorsFile(path string) (*inspectReport, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep := &inspectReport{Path: path, Format: "safetensors", Metadata: map[string]any{}, Tensors: []inspectTensor{}}
	for k, v := range f.Metadata {
		rep.Metadata[k] = v
	}
	for _, t := range f.Tensors {
		rep.Tensors = append(rep.Tensors, safetensorsRow(&t))
	}
	return rep, nil
}

func safetensorsRow(t *safetensors.Tensor) inspectTensor {
	shape := make([]uint64, len(t.Shape))
	for i, d := range t.Shape {
		shape[i] = uint64(d)
	}
	return inspectTensor{t.Name, string(t.DType), shape}
}

func inspectHF(dir string) (*inspectReport, error) {
	cfgPath := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer set.Close()
	rep := &inspectReport{Path: dir, Format: "safetensors", Metadata: map[string]any{}, Tensors: []inspectTensor{}}
	for k, v := range cfg {
		rep.Metadata[k] = summarize(v)
	}
	rep.Architecture, _ = cfg["model_type"].(string)
	for _, t := range set.Tensors() {
		rep.Tensors = append(rep.Tensors, safetensorsRow(t))
	}
	switch {
	case exists(filepath.Join(dir, "tokenizer.json")):
		rep.Tokenizer = "tokenizer.json"
	case exists(filepath.Join(dir, "tokenizer.model")):
		rep.Tokenizer = "sentencepiece tokenizer.model"
	}
	if data, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json")); err == nil {
		var tc struct {
			ChatTemplate any `json:"chat_template"`
		}
		rep.ChatTemplate = json.Unmarshal(data, &tc) == nil && tc.ChatTemplate != nil
	}
	rep.ChatTemplate = rep.ChatTemplate || exists(filepath.Join(dir, "chat_template.jinja"))
	return rep, nil
}

// summarize replaces arrays longer than 16 elements by their length and a
// short head, so a 128k-token vocabulary does not flood the output.
func summarize(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	if len(list) <= 16 {
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = summarize(e)
		}
		return out
	}
	head := make([]any, 4)
	for i := range head {
		head[i] = summarize(list[i])
	}
	return map[string]any{"array_length": len(list), "head": head}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func printInspect(w io.Writer, r *inspectReport) {
	fmt.Fprintf(w, "%s\n  format        %s", r.Path, r.Format)
	if r.Version != 0 {
		fmt.Fprintf(w, " v%d", r.Version)
	}
	fmt.Fprintf(w, "\n  architecture  %s\n", r.Architecture)
	if c := r.Config; c != nil {
		fmt.Fprintf(w, "  hidden %d, ffn %d, layers %d, heads %d (kv %d), head dim %d, vocab %d, context %d\n",
			c.Dim, c.FFNDim, c.Layers, c.Heads, c.KVHeads, c.HeadDim, c.VocabSize, c.ContextLen)
		fmt.Fprintf(w, "  rope base %g over %d dims", c.Rope.Theta, c.Rope.Dim)
		if c.Rope.Scaling != "" {
			fmt.Fprintf(w, ", %s scaling ×%g", c.Rope.Scaling, c.Rope.Factor)
		}
		if c.SlidingWindow > 0 {
			fmt.Fprintf(w, "; sliding window %d", c.SlidingWindow)
		}
		if c.TiedEmbeddings {
			fmt.Fprint(w, "; tied embeddings")
		}
		fmt.Fprintln(w)
	} else if r.ConfigError != "" {
		fmt.Fprintf(w, "  not runnable: %s\n", r.ConfigError)
	}
	var params uint64
	types := map[string]int{}
	for _, t := range r.Tensors {
		n := uint64(1)
		for _, d := range t.Shape {
			n *= d
		}
		params += n
		types[t.Type]++
	}
	var tl []string
	for t, n := range types {
		tl = append(tl, fmt.Sprintf("%s×%d", t, n))
	}
	sort.Strings(tl)
	fmt.Fprintf(w, "  parameters    %s in %d tensors (%s)\n", humanCount(params), len(r.Tensors), strings.Join(tl, ", "))
	tok := r.Tokenizer
	if tok == "" {
		tok = "none"
	}
	fmt.Fprintf(w, "  tokenizer     %s; chat template: %v\n", tok, r.ChatTemplate)
	if len(r.Tensors) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  tensor\ttype\tshape")
	for _, t := range r.Tensors {
		fmt.Fprintf(tw, "  %s\t%s\t%v\n", t.Name, t.Type, t.Shape)
	}
	tw.Flush()
}

func humanCount(n uint64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
