// Package tokenizer turns text into token ids and back, reproducing the reference
// implementations byte for byte: SentencePiece-style BPE with scores and byte
// fallback (llama.cpp "llama" vocabularies and SentencePiece tokenizer.model
// files), byte-level BPE with merges (GPT-2 and its descendants: llama.cpp "gpt2"
// vocabularies, HF tokenizer.json, encoder.json + vocab.bpe) and WordPiece (BERT).
//
// Every source (GGUF, tokenizer.json, tokenizer.model, encoder.json) fills the same
// plain Vocab description and New builds the tokenizer from it, so the format glue
// stays thin and all tokenization logic lives in one place.
package tokenizer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TokenType is the role of a vocabulary entry, numbered as GGUF's tokenizer.ggml.token_type
// and SentencePiece's piece type.
type TokenType int32

// Token types.
const (
	TypeUndefined   TokenType = 0
	TypeNormal      TokenType = 1
	TypeUnknown     TokenType = 2
	TypeControl     TokenType = 3 // BOS, EOS, <|im_start|> …: parsed from text only when asked
	TypeUserDefined TokenType = 4 // always split out of the text before tokenizing
	TypeUnused      TokenType = 5
	TypeByte        TokenType = 6 // <0xAB> byte-fallback pieces
)

// Vocab is the plain description of a tokenizer that every source fills in.
// Ids that a vocabulary lacks are -1.
type Vocab struct {
	// Model is the algorithm: "llama" (SentencePiece BPE with scores), "gpt2"
	// (byte-level BPE with merges) or "bert" (WordPiece).
	Model string
	// Pre names the pre-tokenizer as GGUF's tokenizer.ggml.pre does ("llama-bpe",
	// "qwen2", "gpt-2", "falcon", …). Ignored when PreSplit is set.
	Pre string
	// PreSplit, when not nil, lists the regular expressions that split the text
	// before BPE, applied one after the other to each piece (HF Split
	// pre-tokenizers); empty means the whole text is one word. Well-known patterns
	// are recognized and run by hand-written splitters.
	PreSplit []SplitRule
	// Normalizer is a Unicode normalization applied to text before tokenizing:
	// "", "NFC", "NFKC", "NFD" or "NFKD".
	Normalizer string

	Tokens []string
	Scores []float32 // SentencePiece piece scores; higher merges first
	Types  []int32   // TokenType of each token; nil means all normal
	Merges []string  // "left right", highest priority first

	BOS, EOS, UNK, PAD, SEP int32
	// EOG lists further end-of-generation tokens besides EOS (eot, eom, <|im_end|>).
	EOG []int32

	AddBOS, AddEOS, AddSEP bool
	// AddSpacePrefix: SentencePiece's dummy prefix (llama), or HF ByteLevel's
	// add_prefix_space (gpt2).
	AddSpacePrefix bool
	// RemoveExtraSpaces is SentencePiece's remove_extra_whitespaces normalizer.
	RemoveExtraSpaces bool
	// IgnoreMerges emits a pre-tokenized word directly when it is itself a token
	// (Llama-3, HF BPE ignore_merges).
	IgnoreMerges bool

	// WordPiece: WordPrefix marks tokens that start a word (GGUF's "▁"), SubwordPrefix
	// marks tokens that continue one (HF's "##"). Lowercase and StripAccents are BERT's
	// normalizer switches. MaxWordChars sends longer words to UNK (0: no limit).
	WordPrefix, SubwordPrefix string
	Lowercase, StripAccents   bool
	MaxWordChars              int

	// LStrip and RStrip list special tokens that swallow the whitespace before/after
	// them when split out of text (HF added_tokens lstrip/rstrip).
	LStrip, RStrip []int32
}

// SplitRule is one pre-tokenizer regular expression. Behavior says what becomes of
// the matches: "isolated" (default: matches and the text between them are all
// words), "removed", "merged_with_previous", "merged_with_next", "contiguous";
// Invert swaps the roles of matches and the text between them.
type SplitRule struct {
	Pattern  string
	Behavior string
	Invert   bool
}

// EncodeOptions control what Encode adds and parses besides the text itself.
type EncodeOptions struct {
	// AddSpecial adds BOS/EOS (CLS/SEP for BERT) as the vocabulary's flags say.
	AddSpecial bool
	// ParseSpecial turns the text of control tokens (<|im_start|>, <s> …) into their
	// ids; otherwise such text is tokenized as ordinary text. User-defined tokens are
	// always split out, as llama.cpp and HF tokenizers do.
	ParseSpecial bool
}

// Tokenizer encodes text to token ids and decodes ids back to text. Implementations
// are safe for concurrent use.
type Tokenizer interface {
	Encode(text string, opts EncodeOptions) ([]int32, error)
	// Decode renders ids as text, control tokens as their own text (so that Encode
	// with ParseSpecial inverts it). Ids out of range are an error. The result may
	// hold invalid UTF-8 when the ids spell it.
	Decode(ids []int32) (string, error)
	// NewStreamDecoder returns a decoder for ids that arrive one at a time.
	NewStreamDecoder() *StreamDecoder
	VocabSize() int
	BOS() int32 // -1 if none
	EOS() int32 // -1 if none
	TokenText(id int32) string
	TokenType(id int32) TokenType
	IsEOG(id int32) bool
}

// algorithm is the per-model part of a tokenizer: how one fragment of plain text
// (no special tokens in it) becomes ids.
type algorithm interface {
	encode(dst []int32, text string, afterSpecial bool, c *encodeCache) []int32
}

// tokenizer holds what all algorithms share: the vocabulary, special-token
// splitting, BOS/EOS and decoding.
type tokenizer struct {
	v       Vocab
	tokenID map[string]int32
	types   []TokenType
	pieces  [][]byte // decoded bytes of each token
	algo    algorithm

	special     []int32 // control/unknown/user-defined tokens, longest text first
	lstrip      map[int32]bool
	rstrip      map[int32]bool
	eog         map[int32]bool
	stripFirst  bool // remove the dummy-prefix space from the first piece (SPM)
	wordpiece   bool
	maxTokenLen int
	norm        norm.Form
}

// New builds the tokenizer that v describes.
func New(v *Vocab) (Tokenizer, error) {
	if v == nil {
		return nil, errors.New("tokenizer: nil vocab")
	}
	t := &tokenizer{v: *v}
	n := len(v.Tokens)
	if n == 0 {
		return nil, errors.New("tokenizer: vocab has no tokens")
	}
	if v.Scores != nil && len(v.Scores) != n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(v.Scores), n)
	}
	if v.Types != nil && len(v.Types) != n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(v.Types), n)
	}
	for _, id := range []struct {
		name string
		id   int32
	}{{"bos", v.BOS}, {"eos", v.EOS}, {"unk", v.UNK}, {"pad", v.PAD}, {"sep", v.SEP}} {
		if id.id < -1 || int(id.id) >= n {
			return nil, fmt.Errorf("tokenizer: %s token id %d out of range [0,%d)", id.name, id.id, n)
		}
	}
	t.types = make([]TokenType, n)
	t.tokenID = make(map[string]int32, n)
	for i, s := range v.Tokens {
		t.types[i] = TypeNormal
		if v.Types != nil {
			t.types[i] = TokenType(v.Types[i])
		}
		if len(s) > t.maxTokenLen {
			t.maxTokenLen = len(s)
		}
		// First occurrence wins, as in llama.cpp's token_to_id map.
		if _, dup := t.tokenID[s]; !dup && s != "" {
			t.tokenID[s] = int32(i)
		}
	}
	t.eog = map[int32]bool{}
	if v.EOS >= 0 {
		t.eog[v.EOS] = true
	}
	for _, id := range v.EOG {
		if id < 0 || int(id) >= n {
			return nil, fmt.Errorf("tokenizer: end-of-generation token id %d out of range [0,%d)", id, n)
		}
		t.eog[id] = true
	}
	t.lstrip = idSet(v.LStrip)
	t.rstrip = idSet(v.RStrip)
	for i, ty := range t.types {
		if (ty == TypeControl || ty == TypeUnknown || ty == TypeUserDefined) && v.Tokens[i] != "" {
			t.special = append(t.special, int32(i))
		}
	}
	sort.SliceStable(t.special, func(a, b int) bool {
		return len(v.Tokens[t.special[a]]) > len(v.Tokens[t.special[b]])
	})

	switch v.Normalizer {
	case "":
	case "NFC":
		t.norm = norm.NFC
	case "NFKC":
		t.norm = norm.NFKC
	case "NFD":
		t.norm = norm.NFD
	case "NFKD":
		t.norm = norm.NFKD
	default:
		return nil, fmt.Errorf("tokenizer: unknown normalizer %q", v.Normalizer)
	}
	var err error
	switch v.Model {
	case "llama", "spm":
		t.algo, err = newSPM(t)
		t.stripFirst = v.AddSpacePrefix
	case "gpt2", "bpe":
		t.algo, err = newBPE(t)
	case "bert", "wordpiece":
		t.algo, err = newWordPiece(t)
		t.wordpiece = true
	default:
		return nil, fmt.Errorf("tokenizer: unsupported model %q", v.Model)
	}
	if err != nil {
		return nil, err
	}
	t.pieces = make([][]byte, n)
	for i := range t.pieces {
		t.pieces[i] = t.decodePiece(int32(i))
	}
	return t, nil
}

func idSet(ids []int32) map[int32]bool {
	m := make(map[int32]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func (t *tokenizer) VocabSize() int { return len(t.v.Tokens) }
func (t *tokenizer) BOS() int32     { return t.v.BOS }
func (t *tokenizer) EOS() int32     { return t.v.EOS }
func (t *tokenizer) IsEOG(id int32) bool {
	return t.eog[id]
}

// TokenText is the vocabulary's text of id ("" when out of range).
func (t *tokenizer) TokenText(id int32) string {
	if id < 0 || int(id) >= len(t.v.Tokens) {
		return ""
	}
	return t.v.Tokens[id]
}

// TokenType is the type of id (TypeUndefined when out of range).
func (t *tokenizer) TokenType(id int32) TokenType {
	if id < 0 || int(id) >= len(t.types) {
		return TypeUndefined
	}
	return t.types[id]
}

// fragment is a piece of the input: either plain text or one special token.
type fragment struct {
	text string
	id   int32 // -1 for text
}

// splitSpecial cuts the special tokens out of text the way llama.cpp does: longest
// token text first, every occurrence in every remaining text fragment.
func (t *tokenizer) splitSpecial(text string, parseSpecial bool) []fragment {
	frags := []fragment{{text: text, id: -1}}
	for _, id := range t.special {
		ty := t.types[id]
		if !parseSpecial && ty != TypeUserDefined {
			continue
		}
		tok := t.v.Tokens[id]
		var out []fragment
		changed := false
		for _, f := range frags {
			if f.id >= 0 || !strings.Contains(f.text, tok) {
				out = append(out, f)
				continue
			}
			changed = true
			rest := f.text
			for {
				k := strings.Index(rest, tok)
				if k < 0 {
					break
				}
				left := rest[:k]
				if t.lstrip[id] {
					left = strings.TrimRight(left, " \t\n\r\v\f")
				}
				if left != "" {
					out = append(out, fragment{text: left, id: -1})
				}
				out = append(out, fragment{id: id})
				rest = rest[k+len(tok):]
				if t.rstrip[id] {
					rest = strings.TrimLeft(rest, " \t\n\r\v\f")
				}
			}
			if rest != "" {
				out = append(out, fragment{text: rest, id: -1})
			}
		}
		if changed {
			frags = out
		}
	}
	return frags
}

// Encode tokenizes text. Invalid UTF-8 is tokenized as its bytes; text that the
// vocabulary cannot represent at all (a byte without a token, where there is no
// unknown token either) is an error.
func (t *tokenizer) Encode(text string, opts EncodeOptions) ([]int32, error) {
	var ids []int32
	if opts.AddSpecial && t.v.AddBOS && t.v.BOS >= 0 {
		ids = append(ids, t.v.BOS)
	}
	cache := newEncodeCache(len(text))
	afterSpecial := true
	for _, f := range t.splitSpecial(text, opts.ParseSpecial) {
		if f.id >= 0 {
			ids = append(ids, f.id)
			afterSpecial = true
			continue
		}
		text := f.text
		if t.v.Normalizer != "" {
			text = t.norm.String(text)
		}
		ids = t.algo.encode(ids, text, afterSpecial, cache)
		afterSpecial = false
	}
	if cache.lost || cache.spm.lost || cache.bpe.lost {
		return nil, errors.New("tokenizer: the text has characters or bytes this vocabulary cannot represent (no byte token and no unknown token)")
	}
	if opts.AddSpecial && t.v.AddEOS && t.v.EOS >= 0 {
		ids = append(ids, t.v.EOS)
	}
	if opts.AddSpecial && t.v.AddSEP && t.v.SEP >= 0 {
		ids = append(ids, t.v.SEP)
	}
	return ids, nil
}

// isSpecialType says whether the encoder splits tokens of this type out of text,
// after which SentencePiece adds a fresh dummy prefix.
func isSpecialType(ty TokenType) bool {
	return ty == TypeControl || ty == TypeUnknown || ty == TypeUserDefined
}

// Decode renders ids as text.
func (t *tokenizer) Decode(ids []int32) (string, error) {
	var b []byte
	prevSpecial := true
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.pieces) {
			return "", fmt.Errorf("tokenizer: decode: token id %d out of range [0,%d)", id, len(t.pieces))
		}
		b = t.appendPiece(b, id, prevSpecial, len(b) == 0)
		prevSpecial = isSpecialType(t.types[id])
	}
	return string(b), nil
}

// appendPiece appends the text of id. prevSpecial tells whether the previous token was
// split out as special (or id is the first), where SentencePiece put a dummy prefix.
func (t *tokenizer) appendPiece(b []byte, id int32, prevSpecial, atStart bool) []byte {
	p := t.pieces[id]
	if t.stripFirst && prevSpecial && !isSpecialType(t.types[id]) && len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	if t.wordpiece && atStart && len(p) > 0 && p[0] == ' ' {
		p = p[1:]
	}
	return append(b, p...)
}

// decodePiece computes the bytes a token stands for.
func (t *tokenizer) decodePiece(id int32) []byte {
	s := t.v.Tokens[id]
	ty := t.types[id]
	if ty == TypeControl || ty == TypeUnknown {
		return []byte(s)
	}
	switch a := t.algo.(type) {
	case *spm:
		if ty == TypeByte {
			if b, ok := parseByteToken(s); ok {
				return []byte{b}
			}
		}
		return []byte(strings.ReplaceAll(s, "▁", " "))
	case *bpe:
		if ty == TypeUserDefined || !a.byteLevel {
			if ty == TypeByte {
				if b, ok := parseByteToken(s); ok {
					return []byte{b}
				}
			}
			if !a.byteLevel {
				return []byte(strings.ReplaceAll(s, "▁", " "))
			}
			return []byte(s)
		}
		return byteLevelDecode(s)
	case *wordPiece:
		return a.piece(s, ty)
	}
	return []byte(s)
}

// parseByteToken reads "<0xAB>".
func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[0] != '<' || s[1] != '0' || s[2] != 'x' || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexDigit(s[3])
	lo, ok2 := hexDigit(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// StreamDecoder decodes ids that arrive one at a time (generation). It holds back
// bytes that do not yet form complete UTF-8 — a character split over byte-fallback
// or byte-level tokens — until the rest arrives.
type StreamDecoder struct {
	t           *tokenizer
	pending     []byte
	prevSpecial bool
	started     bool
}

// NewStreamDecoder returns a decoder at the start of a text.
func (t *tokenizer) NewStreamDecoder() *StreamDecoder {
	return &StreamDecoder{t: t, prevSpecial: true}
}

// Push adds one id and returns the text that is now complete.
func (d *StreamDecoder) Push(id int32) (string, error) {
	t := d.t
	if id < 0 || int(id) >= len(t.pieces) {
		return "", fmt.Errorf("tokenizer: decode: token id %d out of range [0,%d)", id, len(t.pieces))
	}
	d.pending = t.appendPiece(d.pending, id, d.prevSpecial, !d.started)
	d.prevSpecial = isSpecialType(t.types[id])
	if len(d.pending) > 0 {
		d.started = true
	}
	n := completeUTF8(d.pending)
	out := string(d.pending[:n])
	d.pending = append(d.pending[:0], d.pending[n:]...)
	return out, nil
}

// Flush returns whatever is held back, complete or not.
func (d *StreamDecoder) Flush() string {
	out := string(d.pending)
	d.pending = d.pending[:0]
	return out
}

// completeUTF8 is the length of the longest prefix of b that does not end inside a
// UTF-8 sequence that more bytes could still complete.
func completeUTF8(b []byte) int {
	// Look at most 3 bytes back for the start of an unfinished sequence.
	for back := 1; back <= 3 && back <= len(b); back++ {
		c := b[len(b)-back]
		if c < 0x80 {
			return len(b) // ASCII: everything up to here is settled
		}
		if c >= 0xC0 { // lead byte
			need := 0
			switch {
			case c >= 0xF0 && c <= 0xF4:
				need = 4
			case c >= 0xE0:
				need = 3
			case c >= 0xC2:
				need = 2
			}
			if need > back && utf8.FullRune(b[len(b)-back:]) == false {
				return len(b) - back
			}
			return len(b)
		}
	}
	return len(b)
}
