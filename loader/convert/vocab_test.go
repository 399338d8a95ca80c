package convert

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/tokenizer"
)

// TestConvertedTokenizer converts every HF directory with tokenizer.cases.json
// (encodings made by HF tokenizers from the directory's own tokenizer files)
// and checks that the tokenizer read back from the GGUF's tokenizer.ggml.*
// metadata reproduces them, with and without special tokens.
func TestConvertedTokenizer(t *testing.T) {
	f32, _ := ParsePreset("F32")
	n := 0
	for _, dir := range fixtures.ModelDirs(t) {
		casesPath := filepath.Join(dir, "tokenizer.cases.json")
		data, err := os.ReadFile(casesPath)
		if err != nil {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var cases struct {
				Cases []struct {
					Text           string  `json:"text"`
					IDs            []int32 `json:"ids"`
					IDsWithSpecial []int32 `json:"ids_with_special"`
				} `json:"cases"`
			}
			if err := json.Unmarshal(data, &cases); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Convert(&buf, openModel(t, dir), f32, Options{}); err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Parse("converted", buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			tok, err := tokenizer.FromGGUF(f)
			if err != nil {
				t.Fatal(err)
			}
			pre, _ := f.String("tokenizer.ggml.pre")
			pass := 0
			for _, c := range cases.Cases {
				for _, v := range []struct {
					want    []int32
					special bool
				}{{c.IDs, false}, {c.IDsWithSpecial, true}} {
					if v.want == nil {
						continue
					}
					got, err := tok.Encode(c.Text, tokenizer.EncodeOptions{AddSpecial: v.special, ParseSpecial: true})
					if err != nil || !slices.Equal(got, v.want) {
						t.Errorf("%q (special %v): got %v (%v), want %v", c.Text, v.special, got, err, v.want)
						continue
					}
					pass++
				}
			}
			t.Logf("%s: pre-tokenizer %q, %d encodings agree with HF tokenizers", filepath.Base(dir), pre, pass)
		})
	}
	if n == 0 {
		t.Skip("no tokenizer.cases.json under models/")
	}
}
