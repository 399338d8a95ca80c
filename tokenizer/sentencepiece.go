package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
)

// A SentencePiece tokenizer.model is a protobuf ModelProto. Only the fields the
// tokenizer needs are read:
//
//	ModelProto:      1 pieces (repeated SentencePiece), 2 trainer_spec, 3 normalizer_spec
//	SentencePiece:   1 piece (string), 2 score (float), 3 type (enum)
//	TrainerSpec:     3 model_type, 24 treat_whitespace_as_suffix, 35 byte_fallback,
//	                 40 unk_id, 41 bos_id, 42 eos_id, 43 pad_id
//	NormalizerSpec:  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix,
//	                 4 remove_extra_whitespaces, 5 escape_whitespaces

// maxModelFile bounds what FromSentencePiece reads into memory.
const maxModelFile = 1 << 30

// SentencePiece model types.
const (
	spUnigram = 1
	spBPE     = 2
)

// FromSentencePiece loads a SentencePiece tokenizer.model (BPE models).
func FromSentencePiece(path string) (Tokenizer, error) {
	v, err := ReadSentencePiece(path)
	if err != nil {
		return nil, err
	}
	t, err := New(v)
	if err != nil {
		return nil, fmt.Errorf("sentencepiece %s: %w", path, err)
	}
	return t, nil
}

// ReadSentencePiece reads a tokenizer.model into a Vocab.
func ReadSentencePiece(path string) (*Vocab, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxModelFile {
		return nil, fmt.Errorf("sentencepiece %s: file size %d is over %d", path, st.Size(), maxModelFile)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := ParseSentencePiece(data)
	if err != nil {
		return nil, fmt.Errorf("sentencepiece %s: %w", path, err)
	}
	return v, nil
}

// pbReader walks protobuf wire format.
type pbReader struct {
	b   []byte
	off int
}

var errTruncated = errors.New("truncated protobuf")

func (r *pbReader) varint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		return 0, errTruncated
	}
	r.off += n
	return v, nil
}

// field reads the next field's number and wire type, and its payload: the value for
// varints and fixed ints, the bytes for length-delimited fields.
func (r *pbReader) field() (num int, wire int, val uint64, data []byte, err error) {
	key, err := r.varint()
	if err != nil {
		return 0, 0, 0, nil, err
	}
	num, wire = int(key>>3), int(key&7)
	if num == 0 {
		return 0, 0, 0, nil, fmt.Errorf("field number 0 at offset %d", r.off)
	}
	switch wire {
	case 0:
		val, err = r.varint()
	case 1:
		if len(r.b)-r.off < 8 {
			return 0, 0, 0, nil, errTruncated
		}
		val = binary.LittleEndian.Uint64(r.b[r.off:])
		r.off += 8
	case 5:
		if len(r.b)-r.off < 4 {
			return 0, 0, 0, nil, errTruncated
		}
		val = uint64(binary.LittleEndian.Uint32(r.b[r.off:]))
		r.off += 4
	case 2:
		var n uint64
		n, err = r.varint()
		if err == nil && n > uint64(len(r.b)-r.off) {
			err = fmt.Errorf("field %d: length %d past end of message", num, n)
		}
		if err == nil {
			data = r.b[r.off : r.off+int(n)]
			r.off += int(n)
		}
	default:
		err = fmt.Errorf("field %d: unsupported wire type %d", num, wire)
	}
	return num, wire, val, data, err
}

func (r *pbReader) done() bool { return r.off >= len(r.b) }

// ParseSentencePiece decodes a serialized ModelProto.
func ParseSentencePiece(data []byte) (*Vocab, error) {
	v := &Vocab{Model: "llama", Pre: "default", BOS: 1, EOS: 2, UNK: 0, PAD: -1,
		AddBOS: true, AddSpacePrefix: true, RemoveExtraSpaces: true}
	modelType := spUnigram
	escape := true
	treatAsSuffix := false
	var charsmap []byte
	r := &pbReader{b: data}
	for !r.done() {
		num, wire, _, msg, err := r.field()
		if err != nil {
			return nil, err
		}
		if wire != 2 {
			continue
		}
		switch num {
		case 1:
			piece, score, typ, err := parsePiece(msg)
			if err != nil {
				return nil, fmt.Errorf("piece %d: %w", len(v.Tokens), err)
			}
			v.Tokens = append(v.Tokens, piece)
			v.Scores = append(v.Scores, score)
			v.Types = append(v.Types, typ)
		case 2:
			tr := &pbReader{b: msg}
			for !tr.done() {
				f, w, val, _, err := tr.field()
				if err != nil {
					return nil, fmt.Errorf("trainer_spec: %w", err)
				}
				if w != 0 {
					continue
				}
				id := int32(val) // int32 fields: negative ids are sign-extended varints
				switch f {
				case 3:
					modelType = int(val)
				case 24:
					treatAsSuffix = val != 0
				case 40:
					v.UNK = id
				case 41:
					v.BOS = id
				case 42:
					v.EOS = id
				case 43:
					v.PAD = id
				}
			}
		case 3:
			nr := &pbReader{b: msg}
			for !nr.done() {
				f, w, val, d, err := nr.field()
				if err != nil {
					return nil, fmt.Errorf("normalizer_spec: %w", err)
				}
				switch {
				case f == 2 && w == 2:
					charsmap = d
				case f == 3 && w == 0:
					v.AddSpacePrefix = val != 0
				case f == 4 && w == 0:
					v.RemoveExtraSpaces = val != 0
				case f == 5 && w == 0:
					escape = val != 0
				}
			}
		}
	}
	if len(v.Tokens) == 0 {
		return nil, errors.New("no pieces")
	}
	if modelType != spBPE {
		return nil, fmt.Errorf("model_type %d not supported (only BPE, 2)", modelType)
	}
	if treatAsSuffix || !escape {
		return nil, errors.New("treat_whitespace_as_suffix / escape_whitespaces=false not supported")
	}
	if len(charsmap) > 0 {
		return nil, errors.New("precompiled_charsmap normalization (NFKC) not supported")
	}
	for _, id := range []*int32{&v.BOS, &v.EOS, &v.UNK, &v.PAD} {
		if *id < 0 || int(*id) >= len(v.Tokens) {
			*id = -1
		}
	}
	if v.BOS < 0 {
		v.AddBOS = false
	}
	return v, nil
}

func parsePiece(msg []byte) (string, float32, int32, error) {
	var piece string
	var score float32
	typ := int32(TypeNormal)
	r := &pbReader{b: msg}
	for !r.done() {
		f, w, val, d, err := r.field()
		if err != nil {
			return "", 0, 0, err
		}
		switch {
		case f == 1 && w == 2:
			piece = string(d)
		case f == 2 && w == 5:
			score = math.Float32frombits(uint32(val))
		case f == 3 && w == 0:
			typ = int32(val)
		}
	}
	if typ < int32(TypeNormal) || typ > int32(TypeByte) {
		return "", 0, 0, fmt.Errorf("piece %q: type %d out of range", piece, typ)
	}
	return piece, score, typ, nil
}
