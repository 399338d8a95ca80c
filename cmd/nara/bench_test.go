package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// TestBenchJSON runs a small bench on each fixture model and checks the
// JSON list: pp8, tg4, then the hardware figures, all positive.
func TestBenchJSON(t *testing.T) {
	for _, path := range fixtures.Glob(t, "models/*.gguf") {
		var out, errOut bytes.Buffer
		if code := run([]string{"bench", "-m", path, "-p", "8", "-n", "4", "-r", "2", "-t", "2", "--json"}, &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d: %s", path, code, errOut.String())
		}
		var list []map[string]any
		if err := json.Unmarshal(out.Bytes(), &list); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, out.String())
		}
		want := []string{"pp8", "tg4", "hw"}
		if len(list) != len(want) {
			t.Fatalf("%s: %d entries, want %v:\n%s", path, len(list), want, out.String())
		}
		for i, e := range list {
			if e["test"] != want[i] {
				t.Errorf("%s: entry %d is %v, want %s", path, i, e["test"], want[i])
			}
		}
		for _, key := range []string{"tokens_per_s", "gflop_per_s"} {
			if v, _ := list[0][key].(float64); !(v > 0) {
				t.Errorf("%s: pp8 %s = %v", path, key, list[0][key])
			}
		}
		for _, key := range []string{"tokens_per_s", "weights_gb_per_s"} {
			if v, _ := list[1][key].(float64); !(v > 0) {
				t.Errorf("%s: tg4 %s = %v", path, key, list[1][key])
			}
		}
		if v, _ := list[2]["threads"].(float64); v != 2 {
			t.Errorf("%s: hw threads = %v, want 2", path, list[2]["threads"])
		}
		t.Logf("%s: pp8 %.0f t/s, tg4 %.0f t/s", filepath.Base(path), list[0]["tokens_per_s"], list[1]["tokens_per_s"])
		break // one model is enough: the hardware measurement takes a second
	}
}

// TestMeanSD checks the statistics against hand-computed values.
func TestMeanSD(t *testing.T) {
	m, sd := meanSD([]float64{2, 4, 4, 4, 5, 5, 7, 9})
	// mean 5; Σ(x-5)² = 32; sample variance 32/7.
	if m != 5 || sd < 2.1380 || sd > 2.1381 {
		t.Errorf("meanSD = %g, %g; want 5, 2.13809", m, sd)
	}
	if m, sd := meanSD([]float64{3}); m != 3 || sd != 0 {
		t.Errorf("meanSD of one value = %g, %g; want 3, 0", m, sd)
	}
}

// TestBenchUsage checks that bad flags are usage errors (exit 2).
func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"bench"}, {"bench", "-m", "x", "-r", "0"}, {"bench", "-p", "-1", "--hw"}, {"bench", "extra", "--hw"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut.String())
		}
	}
}
