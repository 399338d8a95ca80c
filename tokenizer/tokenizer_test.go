package tokenizer

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// Small hand-made vocabularies whose expected encodings are worked out by hand.

// tinySPM: <unk>, <s>, </s>, 256 byte pieces (ids 3..258), then scored pieces.
func tinySPM(t testing.TB) Tokenizer {
	v := &Vocab{Model: "llama", BOS: 1, EOS: 2, UNK: 0, PAD: -1, SEP: -1, AddBOS: true, AddSpacePrefix: true}
	add := func(s string, score float32, ty TokenType) {
		v.Tokens = append(v.Tokens, s)
		v.Scores = append(v.Scores, score)
		v.Types = append(v.Types, int32(ty))
	}
	add("<unk>", 0, TypeUnknown)
	add("<s>", 0, TypeControl)
	add("</s>", 0, TypeControl)
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 0, TypeByte)
	}
	add("▁", -5, TypeNormal)         // 259
	add("a", -6, TypeNormal)         // 260
	add("b", -6, TypeNormal)         // 261
	add("c", -6, TypeNormal)         // 262
	add("▁a", -2, TypeNormal)        // 263
	add("ab", -1, TypeNormal)        // 264
	add("▁ab", -3, TypeNormal)       // 265
	add("bc", -0.5, TypeNormal)      // 266
	add("<|u|>", 0, TypeUserDefined) // 267
	tok, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tinyBPE: byte-level, id = byte value for the 256 byte characters, then merges.
func tinyBPE(t testing.TB) Tokenizer {
	v := &Vocab{Model: "gpt2", Pre: "gpt-2", BOS: 259, EOS: 259, UNK: -1, PAD: -1, SEP: -1}
	for b := 0; b < 256; b++ {
		v.Tokens = append(v.Tokens, string(byteToRune[b]))
	}
	v.Tokens = append(v.Tokens, "Ġt", "he", "Ġthe", "<|end|>")
	v.Types = make([]int32, len(v.Tokens))
	for i := range v.Types {
		v.Types[i] = int32(TypeNormal)
	}
	v.Types[259] = int32(TypeControl)
	v.Merges = []string{"h e", "Ġ t", "Ġt he"}
	tok, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// tinyWordPiece: HF style (## continuations), lowercasing and accent stripping.
func tinyWordPiece(t testing.TB) Tokenizer {
	v := &Vocab{Model: "bert", BOS: 2, EOS: -1, UNK: 1, PAD: 0, SEP: 3, AddBOS: true, AddSEP: true,
		SubwordPrefix: "##", Lowercase: true, StripAccents: true, MaxWordChars: 100}
	v.Tokens = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "##s", "wor", "##ld", "!", "un", "##aff", "##able", "你", ","}
	v.Types = make([]int32, len(v.Tokens))
	for i := range v.Types {
		v.Types[i] = int32(TypeNormal)
	}
	for i := 0; i < 4; i++ {
		v.Types[i] = int32(TypeControl)
	}
	tok, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSPMHandVocab(t *testing.T) {
	tok := tinySPM(t)
	cases := []struct {
		text string
		opts EncodeOptions
		want []int32
	}{
		// "▁abc": bc (-0.5) beats ab (-1) and ▁a (-2); then ▁a; "▁abc" is no piece.
		{"abc", EncodeOptions{}, []int32{263, 266}},
		{"abc", EncodeOptions{AddSpecial: true}, []int32{1, 263, 266}},
		// "▁ab": ab (-1) first, then ▁ab (-3).
		{"ab", EncodeOptions{}, []int32{265}},
		// ç is not a piece: its two UTF-8 bytes fall back to <0xC3> <0xA7>.
		{"ç", EncodeOptions{}, []int32{259, 3 + 0xC3, 3 + 0xA7}},
		// Invalid UTF-8 is tokenized as its bytes.
		{"a\xff", EncodeOptions{}, []int32{263, 3 + 0xFF}},
		{"", EncodeOptions{}, nil},
		// Control text is plain text unless asked; then a dummy prefix follows it.
		{"<s>a", EncodeOptions{ParseSpecial: true}, []int32{1, 263}},
		// User-defined tokens are always split out.
		{"a<|u|>a", EncodeOptions{}, []int32{263, 267, 263}},
	}
	for _, c := range cases {
		got, err := tok.Encode(c.text, c.opts)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q, %+v) = %v, %v; want %v", c.text, c.opts, got, err, c.want)
		}
		if c.opts.AddSpecial {
			continue
		}
		back, err := tok.Decode(got)
		if err != nil || back != c.text {
			t.Errorf("Decode(%v) = %q, %v; want %q", got, back, err, c.text)
		}
	}
	if got, _ := tok.Encode("<s>a", EncodeOptions{}); slices.Contains(got, 1) {
		t.Errorf("<s> parsed as BOS without ParseSpecial: %v", got)
	}
}

func TestBPEHandVocab(t *testing.T) {
	tok := tinyBPE(t)
	cases := []struct {
		text string
		want []int32
	}{
		{" the", []int32{258}},     // he, then Ġt, then Ġt+he
		{"the", []int32{'t', 257}}, // no Ġ: only "he" merges
		{"the the", []int32{'t', 257, 258}},
		{"\xff", []int32{0xFF}}, // raw byte, not U+FFFD
		{"<|end|>", []int32{'<', '|', 'e', 'n', 'd', '|', '>'}},
	}
	for _, c := range cases {
		got, err := tok.Encode(c.text, EncodeOptions{})
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, %v; want %v", c.text, got, err, c.want)
		}
		back, _ := tok.Decode(got)
		if back != c.text {
			t.Errorf("Decode(%v) = %q; want %q", got, back, c.text)
		}
	}
	got, _ := tok.Encode("a<|end|>", EncodeOptions{ParseSpecial: true})
	if !slices.Equal(got, []int32{'a', 259}) {
		t.Errorf("special parsing: %v", got)
	}
	if !tok.IsEOG(259) || tok.IsEOG('a') {
		t.Error("IsEOG wrong")
	}
}

func TestWordPieceHandVocab(t *testing.T) {
	tok := tinyWordPiece(t)
	got, err := tok.Encode("Héllo, WORLDS! unaffable xyz 你好", EncodeOptions{AddSpecial: true})
	want := []int32{2, 4, 14, 5, 6, 9, 10, 11, 12, 1, 13, 1, 3}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	back, _ := tok.Decode([]int32{4, 14, 7, 8, 9})
	if back != "hello , world !" {
		t.Errorf("decode: %q", back)
	}
}

func TestDecodeOutOfRange(t *testing.T) {
	for name, tok := range map[string]Tokenizer{"spm": tinySPM(t), "bpe": tinyBPE(t), "wordpiece": tinyWordPiece(t)} {
		for _, id := range []int32{-1, int32(tok.VocabSize()), math.MaxInt32} {
			if _, err := tok.Decode([]int32{id}); err == nil {
				t.Errorf("%s: Decode(%d) gave no error", name, id)
			}
			if _, err := tok.NewStreamDecoder().Push(id); err == nil {
				t.Errorf("%s: Push(%d) gave no error", name, id)
			}
		}
	}
}

func TestStreamDecoderHoldsBackPartialUTF8(t *testing.T) {
	tok := tinyBPE(t)
	d := tok.NewStreamDecoder()
	// "é" is C3 A9; "😀" is F0 9F 98 80.
	steps := []struct {
		id   int32
		want string
	}{{'a', "a"}, {0xC3, ""}, {0xA9, "é"}, {0xF0, ""}, {0x9F, ""}, {0x98, ""}, {0x80, "😀"}, {0xE2, ""}}
	for _, s := range steps {
		got, err := d.Push(s.id)
		if err != nil || got != s.want {
			t.Fatalf("Push(%#x) = %q, %v; want %q", s.id, got, err, s.want)
		}
	}
	if rest := d.Flush(); rest != "\xe2" {
		t.Errorf("Flush = %q", rest)
	}
	// A byte that can never start a character is passed on at once.
	if got, _ := d.Push(0xFF); got != "\xff" {
		t.Errorf("Push(0xff) = %q", got)
	}

	// SentencePiece byte fallback: <0xC3> <0xA7> and the dummy prefix.
	sd := tinySPM(t).NewStreamDecoder()
	var out []string
	for _, id := range []int32{259, 3 + 0xC3, 3 + 0xA7, 263} {
		s, _ := sd.Push(id)
		out = append(out, s)
	}
	if strings.Join(out, "|") != "||ç| a" {
		t.Errorf("spm stream: %q", out)
	}
}

func TestCompleteUTF8(t *testing.T) {
	cases := map[string]int{"": 0, "a": 1, "\xc3": 0, "a\xc3": 1, "\xc3\xa9": 2, "\xe2\x82": 0, "\xe2\x82\xac": 3,
		"\xf0\x9f\x98": 0, "\xff": 1, "\x80": 1, "\xc3a": 2, "\xf5\x80": 2}
	for in, want := range cases {
		if got := completeUTF8([]byte(in)); got != want {
			t.Errorf("completeUTF8(%q) = %d, want %d", in, got, want)
		}
	}
}

// Pre-tokenizer splits worked out by hand from the regular expressions.
func TestSplittersByHand(t *testing.T) {
	cases := []struct {
		st   splitStage
		in   string
		want []string
	}{
		{gpt2Split{}, "Hello world's  foo\n\n bar 123!!", []string{"Hello", " world", "'s", " ", " foo", "\n\n", " bar", " 123", "!!"}},
		{gpt2Split{}, "  ", []string{"  "}},
		{gpt2Split{}, "a \n", []string{"a", " \n"}},
		{gpt2Split{}, "I'M", []string{"I", "'", "M"}},
		{llama3Split{maxDigits: 3}, "I'M 12345 \"quoted\"\n\n  x", []string{"I", "'M", " ", "123", "45", " \"", "quoted", "\"\n\n", " ", " x"}},
		{llama3Split{maxDigits: 3}, "a  \n  b", []string{"a", "  \n", " ", " b"}},
		{llama3Split{maxDigits: 1}, "x12", []string{"x", "1", "2"}},
	}
	for _, c := range cases {
		var got []string
		for _, sp := range c.st.split(c.in, nil) {
			got = append(got, c.in[sp.start:sp.end])
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%T %q:\n got  %q\n want %q", c.st, c.in, got, c.want)
		}
	}
}

// The hand-written splitters must agree with a general regex engine running the
// original patterns.
func TestSplittersMatchRegex(t *testing.T) {
	alphabet := []string{"a", "Z", "é", "ж", "你", "1", "٣", "Ⅻ", " ", " ", "\t", "\n", "\r", "\u00a0", "\u3000",
		"'", "s", "t", "re", "LL", "v", "m", "D", "!", ".", "😀", "\xff", "\u0301", "_"}
	seed := uint32(1)
	next := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	var inputs []string
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for k := next(12); k >= 0; k-- {
			b.WriteString(alphabet[next(len(alphabet))])
		}
		inputs = append(inputs, b.String())
	}
	for _, pc := range []struct {
		pattern string
		hand    splitStage
	}{{patGPT2HF, gpt2Split{}}, {patLlama3HF, llama3Split{3}}, {patQwen2HF, llama3Split{1}}} {
		general, err := compileRegexSplit(pc.pattern, "isolated", false)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for _, in := range inputs {
			a := pc.hand.split(in, nil)
			b := general.split(in, nil)
			if !slices.Equal(a, b) && bad < 5 {
				bad++
				t.Errorf("%T on %q: hand %v, regex %v", pc.hand, in, a, b)
			}
		}
		t.Logf("%T: %d random inputs compared with regexp2", pc.hand, len(inputs))
	}
}

func TestToGoRegexp(t *testing.T) {
	cases := map[string]string{
		`\s+$`:       `[` + wsClass + `]+$`,
		`[^\s\p{L}]`: `[^` + wsClass + `\p{L}]`,
		`[]a]`:       `[\]a]`,
		`\p{N}{1,3}`: `\p{N}{1,3}`,
	}
	for in, want := range cases {
		got, ok := toGoRegexp(in)
		if !ok || got != want {
			t.Errorf("toGoRegexp(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{`\s+(?!\S)`, `(a)\1`, `[^\S]`} {
		if _, ok := toGoRegexp(in); ok {
			t.Errorf("toGoRegexp(%q) accepted a pattern Go cannot run", in)
		}
	}
}

func TestNamedPreTokenizersCompile(t *testing.T) {
	for name := range preTokenizerRegexes {
		p, err := newPreTokenizer(name, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// Every stage must cover ordinary text without losing any of it.
		const text = "Hello, world! 12345 don't\n\n  你好 ÿ"
		words, _ := p.split(text, nil, nil)
		var b strings.Builder
		for _, w := range words {
			b.WriteString(text[w.start:w.end])
		}
		if b.String() != text {
			t.Errorf("%s: words %q do not spell the text", name, b.String())
		}
	}
	if _, err := newPreTokenizer("no-such-pre", nil); err == nil {
		t.Error("unknown pre-tokenizer accepted")
	}
}

// pb helpers write protobuf wire format by hand for the reader test.
func pbVarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

func pbBytes(b []byte, field int, data []byte) []byte {
	b = pbVarint(b, uint64(field)<<3|2)
	b = pbVarint(b, uint64(len(data)))
	return append(b, data...)
}

func pbInt(b []byte, field int, x uint64) []byte {
	return pbVarint(pbVarint(b, uint64(field)<<3), x)
}

func pbFloat(b []byte, field int, f float32) []byte {
	b = pbVarint(b, uint64(field)<<3|5)
	u := math.Float32bits(f)
	return append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
}

func TestParseSentencePieceByHand(t *testing.T) {
	piece := func(s string, score float32, typ uint64) []byte {
		var p []byte
		p = pbBytes(p, 1, []byte(s))
		p = pbFloat(p, 2, score)
		if typ != 1 {
			p = pbInt(p, 3, typ)
		}
		return p
	}
	var m []byte
	m = pbBytes(m, 1, piece("<unk>", 0, 2))
	m = pbBytes(m, 1, piece("<s>", 0, 3))
	m = pbBytes(m, 1, piece("</s>", 0, 3))
	m = pbBytes(m, 1, piece("▁a", -1.5, 1))
	var trainer []byte
	trainer = pbInt(trainer, 3, 2)                       // BPE
	trainer = pbInt(trainer, 43, uint64(math.MaxUint64)) // pad_id -1, sign-extended
	m = pbBytes(m, 2, trainer)
	var normalizer []byte
	normalizer = pbBytes(normalizer, 1, []byte("identity"))
	normalizer = pbInt(normalizer, 3, 0) // add_dummy_prefix false
	m = pbBytes(m, 3, normalizer)
	m = pbInt(m, 99, 7) // unknown fields are skipped

	v, err := ParseSentencePiece(m)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Tokens, []string{"<unk>", "<s>", "</s>", "▁a"}) ||
		!slices.Equal(v.Types, []int32{2, 3, 3, 1}) || v.Scores[3] != -1.5 {
		t.Errorf("pieces: %q %v %v", v.Tokens, v.Types, v.Scores)
	}
	if v.BOS != 1 || v.EOS != 2 || v.UNK != 0 || v.PAD != -1 || v.AddSpacePrefix || !v.RemoveExtraSpaces {
		t.Errorf("specs: %+v", v)
	}
	// Truncation anywhere is an error, never a panic.
	for n := 1; n < len(m); n++ {
		ParseSentencePiece(m[:n])
	}
	if _, err := ParseSentencePiece(m[:len(m)-2]); err == nil {
		t.Error("truncated model accepted")
	}
	// Unigram models are refused rather than tokenized wrongly.
	uni := pbBytes(pbBytes(nil, 1, piece("a", 0, 1)), 2, pbInt(nil, 3, 1))
	if _, err := ParseSentencePiece(uni); err == nil {
		t.Error("unigram model accepted")
	}
}
