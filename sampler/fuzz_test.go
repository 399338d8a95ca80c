package sampler

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// FuzzSample drives the whole chain with arbitrary settings and logits
// (NaN, infinities, huge values included): it must never panic, and must
// return either NoToken, when nothing may be chosen, or a token that may.
func FuzzSample(f *testing.F) {
	f.Add([]byte{4, 1, 40, 240, 12, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0, 0xc0, 0, 0, 0})
	f.Add([]byte{7, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xc0, 0, 0, 0xff, 0x80, 0, 0, 0x7f, 0x80, 0, 0})
	f.Add([]byte{30, 2, 3, 128, 60, 200, 7, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{2, 3, 9, 9, 9, 9, 0x55, 0xaa, 0x7f, 0x7f, 0xff, 0xff, 0x00, 0x00, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 8 {
			return
		}
		vocab := 1 + int(data[0])%40
		k := data[1:8]
		p := Params{
			Temp:          []float32{0, 0.5, 1, 1.7, -1}[k[0]%5],
			DynaTempRange: float32(k[0]>>4) / 8,
			DynaTempExp:   float32(k[1]>>5) / 2,
			TopK:          int(k[1]%50) - 5,
			TopP:          float32(k[2]) / 255,
			MinP:          float32(k[3]) / 255 / 2,
			TypicalP:      float32(k[4]) / 255,
			TopNSigma:     float32(int(k[5]%8)-2) / 2,
			MinKeep:       int(k[6] % 4),
			Mirostat:      int(k[6]>>2) % 3,
			MirostatTau:   float32(k[5]>>3) / 4,
			MirostatEta:   0.1,
			XTCThreshold:  float32(k[3]) / 255,
			Seed:          uint64(k[0]),
		}
		if k[4]&1 == 1 {
			p.XTCProbability = float32(k[2]) / 255
		}
		if k[4]&2 == 2 {
			p.RepeatPenalty, p.FreqPenalty, p.PresencePenalty, p.RepeatLastN = 1.3, 0.2, -0.1, int(k[5]%9)
		}
		if k[4]&4 == 4 {
			p.DRYMultiplier, p.DRYBase, p.DRYAllowedLength, p.DRYPenaltyLastN = 0.8, 1+float32(k[1]%8)/4, int(k[2]%4), int(k[3]%20)+1
			p.DRYSequenceBreakers = []string{"\n", "ab", "c"}
		}
		if k[4]&8 == 8 {
			p.LogitBias = map[int32]float32{int32(k[5]) % int32(vocab): float32(math.Inf(-1)), int32(k[6]) % int32(vocab): 2}
		}
		switch k[6] >> 5 {
		case 0:
			p.Order = nil
		case 1:
			p.Order = []Stage{StageTemperature, StageXTC, StageMinP, StageTopP, StageTypicalP, StageTopK, StageTopNSigma, StageDRY, StagePenalties}
		case 2:
			p.Order = []Stage{}
		default:
			for _, b := range data[len(data)-min(len(data), 6):] {
				p.Order = append(p.Order, Stage(1+int(b)%int(StageTemperature)))
			}
		}
		piece := func(id int32) string {
			return strings.Repeat(string(rune('a'+id%4)), 1+int(id)%3) + []string{"", "\n"}[id%5/4]
		}
		tokenize := func(s string) []int32 {
			var out []int32
			for _, r := range s {
				if r >= 'a' && r <= 'd' {
					out = append(out, (r-'a')*3%int32(vocab))
				}
			}
			return out
		}
		s, err := New(p, vocab, WithVocab(piece, tokenize), WithContextLength(16))
		if err != nil {
			t.Fatalf("valid params rejected: %v", err)
		}
		constrained := k[5]&1 == 1
		eog := int32(vocab - 1)
		c := &evenOnly{done: int(k[2] % 4)}
		if constrained {
			s.SetConstraint(c, func(id int32) bool { return id == eog })
		}

		logits := make([]float32, vocab)
		rest := data[8:]
		for step := 0; step < 4; step++ {
			for i := range logits {
				off := (4*(i+step*vocab) + step) % max(len(rest), 1)
				if off+4 <= len(rest) {
					logits[i] = math.Float32frombits(binary.LittleEndian.Uint32(rest[off:]))
				} else {
					logits[i] = float32(i%7) - 3
				}
			}
			id := s.Sample(logits)
			if id == NoToken {
				if constrained {
					continue
				}
				for i, v := range logits {
					if finite(v + p.LogitBias[int32(i)]) {
						t.Fatalf("NoToken although token %d (logit %v) may be chosen", i, v)
					}
				}
				continue
			}
			if id < 0 || int(id) >= vocab {
				t.Fatalf("token %d outside the vocabulary of %d", id, vocab)
			}
			l := logits[id] + p.LogitBias[id]
			if !finite(l) {
				t.Fatalf("picked token %d whose logit (with bias) is %v", id, l)
			}
			if constrained && (id == eog && !c.Done() || id != eog && id%2 == 1) {
				t.Fatalf("picked token %d against the constraint", id)
			}
			if err := s.Accept(id); err != nil {
				t.Fatalf("Accept(%d): %v", id, err)
			}
		}
	})
}

// FuzzParseStages: any string either parses into valid stages that print
// back to names ParseStages reads again, or is rejected.
func FuzzParseStages(f *testing.F) {
	f.Add("penalties;dry;top_k;typ_p;top_p;min_p;xtc;temperature")
	f.Add("top-k,nucleus; temp")
	f.Add(";;;")
	f.Add("edskypmxt")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStages(s)
		if err == nil {
			var names []string
			for _, x := range st {
				if !x.valid() {
					t.Fatalf("%q gave invalid stage %d", s, x)
				}
				names = append(names, x.String())
			}
			again, err := ParseStages(strings.Join(names, ";"))
			if err != nil || len(again) != len(st) {
				t.Fatalf("round trip of %q: %v, %v", s, again, err)
			}
		}
		if st, err := ParseStageChars(s); err == nil && len(st) != len(s) {
			t.Fatalf("ParseStageChars(%q) gave %d stages", s, len(st))
		}
	})
}
