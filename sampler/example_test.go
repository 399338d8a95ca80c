package sampler_test

import (
	"fmt"

	"github.com/narallm/nara/sampler"
)

func Example() {
	// A sampler with llama.cpp's defaults and a fixed seed, for a toy
	// vocabulary of four tokens.
	p := sampler.DefaultParams()
	p.Seed = 42
	s, err := sampler.New(p, 4)
	if err != nil {
		panic(err)
	}
	logits := []float32{2.0, 1.0, 0.5, -3.0} // from the model
	id := s.Sample(logits)
	if err := s.Accept(id); err != nil {
		panic(err)
	}
	for _, c := range s.Probs() {
		fmt.Printf("token %d: p = %.3f\n", c.ID, c.P)
	}
	// Top-p 0.95 keeps tokens 0-2 (0.626 + 0.230 + 0.140), min-p drops
	// nothing more, temperature 0.8 sharpens what is left:
	// Output:
	// token 0: p = 0.695
	// token 1: p = 0.199
	// token 2: p = 0.107
}

func Example_greedy() {
	// The zero Params decode greedily: the most likely token, ties to the
	// lowest id.
	s, _ := sampler.New(sampler.Params{}, 5)
	fmt.Println(s.Sample([]float32{0.1, 3, 3, -1, 2}))
	// Output: 1
}

func ExampleParseStages() {
	// Like llama.cpp's --samplers.
	order, err := sampler.ParseStages("top_k;min_p;temperature")
	if err != nil {
		panic(err)
	}
	p := sampler.DefaultParams()
	p.Order = order
	fmt.Println(p.Order)
	// Output: [top_k min_p temperature]
}
