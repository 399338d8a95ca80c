package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// defaultQuant is the GGUF picked when a repo holds several and the
// reference names none, as llama.cpp's -hf and ollama do.
const defaultQuant = "Q4_K_M"

// dirFiles are the files of an HF model directory besides its weights.
var dirFiles = []string{
	"config.json", "generation_config.json",
	"tokenizer.json", "tokenizer_config.json", "tokenizer.model",
	"special_tokens_map.json", "added_tokens.json",
	"vocab.json", "merges.txt", "vocab.txt",
	"chat_template.jinja", "chat_template.json",
}

// indexFile lists the shards of a sharded safetensors model; it is the name
// transformers (and nara's loader) look for.
const indexFile = "model.safetensors.index.json"

// plan is what one pull downloads.
type plan struct {
	files []entry // in download order
	path  string  // the result, relative to the snapshot ("" for the directory)
	index *entry  // a safetensors index to read before the shards it names are known
}

// shardRE matches a split GGUF's shard suffix, as llama.cpp's gguf-split
// names them: "-00001-of-00003.gguf".
var shardRE = regexp.MustCompile(`(?i)-(\d{5})-of-(\d{5})\.gguf$`)

// ggufModel is a GGUF model in a listing: one file or all shards of one.
type ggufModel struct {
	key    string  // path without the shard suffix and ".gguf", to match tags against
	shards []entry // sorted; the first is the one to open
}

// choose decides what to download for want (see Pull).
func choose(files []entry, want string) (plan, error) {
	if want != "" && !isTag(want) {
		return chooseFile(files, want)
	}
	models := ggufModels(files)
	if len(models) == 0 {
		if want != "" {
			return plan{}, fmt.Errorf("%w: no GGUF file to match tag %q", ErrNotFound, want)
		}
		return chooseDir(files)
	}
	var m ggufModel
	var err error
	switch {
	case want != "":
		m, err = matchTag(models, want)
	case len(models) == 1:
		m = models[0]
	default:
		m, err = matchTag(models, defaultQuant)
		if errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("%d GGUF models and no %s: name one with :TAG or :FILE (%s)", len(models), defaultQuant, listModels(models))
		}
	}
	if err != nil {
		return plan{}, err
	}
	return plan{files: m.shards, path: m.shards[0].Path}, nil
}

// isTag tells a quantization tag ("Q4_K_M") from a file name: tags have no
// dot and no slash.
func isTag(s string) bool { return !strings.ContainsAny(s, "./") }

// chooseFile is one named file; for the first shard of a split GGUF, all of
// them.
func chooseFile(files []entry, want string) (plan, error) {
	i := slices.IndexFunc(files, func(e entry) bool { return e.Path == want })
	if i < 0 {
		err := fmt.Errorf("%w: no file %q", ErrNotFound, want)
		if models := ggufModels(files); len(models) > 0 {
			err = fmt.Errorf("%w (GGUF files: %s)", err, listModels(models))
		}
		return plan{}, err
	}
	if shardRE.MatchString(want) {
		for _, m := range ggufModels(files) {
			if m.shards[0].Path == want {
				return plan{files: m.shards, path: want}, nil
			}
		}
	}
	return plan{files: []entry{files[i]}, path: want}, nil
}

// ggufModels groups the GGUF files of a listing into models, leaving out
// multimodal projectors (mmproj), which are not models by themselves.
func ggufModels(files []entry) []ggufModel {
	byKey := map[string]*ggufModel{}
	var keys []string
	for _, e := range files {
		lower := strings.ToLower(e.Path)
		if !strings.HasSuffix(lower, ".gguf") || strings.Contains(path.Base(lower), "mmproj") {
			continue
		}
		key := e.Path[:len(e.Path)-len(".gguf")]
		if m := shardRE.FindStringIndex(e.Path); m != nil {
			key = e.Path[:m[0]]
		}
		if byKey[key] == nil {
			byKey[key] = &ggufModel{key: key}
			keys = append(keys, key)
		}
		byKey[key].shards = append(byKey[key].shards, e)
	}
	slices.Sort(keys)
	var out []ggufModel
	for _, k := range keys {
		m := byKey[k]
		slices.SortFunc(m.shards, func(a, b entry) int { return strings.Compare(a.Path, b.Path) })
		if len(m.shards) > 1 && !completeShards(m.shards) {
			// Not one split model (e.g. "x.gguf" beside "x-00001-of-00002.gguf"):
			// keep each file on its own.
			for _, s := range m.shards {
				out = append(out, ggufModel{key: strings.TrimSuffix(s.Path, path.Ext(s.Path)), shards: []entry{s}})
			}
			continue
		}
		out = append(out, *m)
	}
	return out
}

// completeShards checks that shards are exactly 1..N of N.
func completeShards(shards []entry) bool {
	for i, s := range shards {
		m := shardRE.FindStringSubmatch(s.Path)
		if m == nil || m[1] != fmt.Sprintf("%05d", i+1) || m[2] != fmt.Sprintf("%05d", len(shards)) {
			return false
		}
	}
	return true
}

// matchTag picks the model whose name holds tag, case-insensitively. When
// several do ("Q4_K" is in Q4_K_S and Q4_K_M), the one where the tag stands
// between separators ('-', '.', '/', or an end) wins; if that is still not
// one model, the caller must say which.
func matchTag(models []ggufModel, tag string) (ggufModel, error) {
	t := strings.ToLower(tag)
	var some, exact []ggufModel
	for _, m := range models {
		k := strings.ToLower(m.key)
		if !strings.Contains(k, t) {
			continue
		}
		some = append(some, m)
		if delimited(k, t) {
			exact = append(exact, m)
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(some) == 1:
		return some[0], nil
	case len(some) == 0:
		return ggufModel{}, fmt.Errorf("%w: no GGUF matches tag %q (available: %s)", ErrNotFound, tag, listModels(models))
	}
	if len(exact) > 1 {
		some = exact
	}
	return ggufModel{}, fmt.Errorf("tag %q matches %d GGUF models (%s): name the file", tag, len(some), listModels(some))
}

// delimited reports whether t occurs in k with a separator or an end on
// both sides.
func delimited(k, t string) bool {
	sep := func(c byte) bool { return c == '-' || c == '.' || c == '/' }
	for i := 0; ; {
		j := strings.Index(k[i:], t)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(t)
		if (j == 0 || sep(k[j-1])) && (end == len(k) || sep(k[end])) {
			return true
		}
		i = j + 1
	}
}

func listModels(models []ggufModel) string {
	names := make([]string, len(models))
	for i, m := range models {
		names[i] = m.shards[0].Path
	}
	const show = 12
	if len(names) > show {
		return strings.Join(names[:show], ", ") + fmt.Sprintf(", and %d more", len(names)-show)
	}
	return strings.Join(names, ", ")
}

// chooseDir is an HF model directory: config, tokenizer and weights at the
// top of the repo. Weights are the shards named by model.safetensors.index.json
// (read once downloaded), else model.safetensors, else every top-level
// .safetensors file, Mistral's duplicate consolidated*.safetensors left out
// when others are there.
func chooseDir(files []entry) (plan, error) {
	top := map[string]entry{}
	for _, e := range files {
		if !strings.Contains(e.Path, "/") {
			top[e.Path] = e
		}
	}
	if _, ok := top["config.json"]; !ok {
		return plan{}, fmt.Errorf("%w: no GGUF file and no config.json: not a model nara can pull", ErrNotFound)
	}
	var p plan
	for _, name := range dirFiles {
		if e, ok := top[name]; ok {
			p.files = append(p.files, e)
		}
	}
	if e, ok := top[indexFile]; ok {
		p.index = &e
		p.files = append(p.files, e)
		return p, nil
	}
	if e, ok := top["model.safetensors"]; ok {
		p.files = append(p.files, e)
		return p, nil
	}
	var weights, consolidated []entry
	for _, e := range files {
		if _, ok := top[e.Path]; ok && strings.HasSuffix(e.Path, ".safetensors") {
			if strings.HasPrefix(e.Path, "consolidated") {
				consolidated = append(consolidated, e)
			} else {
				weights = append(weights, e)
			}
		}
	}
	if len(weights) == 0 {
		weights = consolidated
	}
	if len(weights) == 0 {
		return plan{}, fmt.Errorf("%w: no .gguf and no .safetensors files (only these formats are pulled)", ErrNotFound)
	}
	p.files = append(p.files, weights...)
	return p, nil
}

// maxIndexBytes bounds the safetensors index read into memory.
const maxIndexBytes = 64 << 20

// withShards adds the shards p.index names, read with read. Every shard must
// be in the listing.
func (p plan) withShards(files []entry, read func(entry) ([]byte, error)) (plan, error) {
	data, err := read(*p.index)
	if err != nil {
		return plan{}, err
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return plan{}, fmt.Errorf("%s: bad JSON: %w", p.index.Path, err)
	}
	if len(idx.WeightMap) == 0 {
		return plan{}, fmt.Errorf("%s: field weight_map is empty", p.index.Path)
	}
	dir := path.Dir(p.index.Path)
	seen := map[string]bool{}
	var names []string
	for _, shard := range idx.WeightMap {
		// Cleaned, as the loader does, so "./a.safetensors" is "a.safetensors".
		name := path.Join(dir, shard)
		if strings.HasPrefix(shard, "/") || !validPath(name) {
			return plan{}, fmt.Errorf("%s: shard %q is not a path inside the repo", p.index.Path, clean(shard, 200))
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	slices.Sort(names)
	q := plan{files: slices.Clone(p.files), path: p.path}
	for _, name := range names {
		i := slices.IndexFunc(files, func(e entry) bool { return e.Path == name })
		if i < 0 {
			return plan{}, fmt.Errorf("%w: %s names shard %q, which the repo does not have", ErrNotFound, p.index.Path, name)
		}
		if !slices.ContainsFunc(q.files, func(e entry) bool { return e.Path == name }) {
			q.files = append(q.files, files[i])
		}
	}
	return q, nil
}
