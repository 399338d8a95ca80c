// Command generate shows the nara Go API: load a model once, then stream a
// completion of a prompt and a chat reply, and compare two texts by their
// embeddings.
//
//	go run ./examples/generate -m path/to/model.gguf -p "ROMEO:"
//
// The model is a .gguf file or a Hugging Face directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/sampler"
	"github.com/narallm/nara/tokenizer/chat"
)

func main() {
	model := flag.String("m", "", "model: a .gguf file or an HF directory")
	prompt := flag.String("p", "ROMEO:\n", "prompt")
	n := flag.Int("n", 64, "tokens to generate")
	flag.Parse()
	if *model == "" {
		flag.Usage()
		os.Exit(2)
	}

	// Ctrl-C cancels the context, which stops generation at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	lm, err := runtime.Load(*model)
	if err != nil {
		log.Fatal(err)
	}
	defer lm.Close()

	// 1. A completion, sampled with llama.cpp's defaults and a fixed seed.
	params := runtime.GenerateParams{MaxTokens: *n, Sampling: sampler.DefaultParams()}
	params.Sampling.Seed = 42
	s, err := lm.NewSession(runtime.SessionOptions{})
	if err != nil {
		log.Fatal(err)
	}
	ids, err := lm.Encode(*prompt)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(*prompt)
	for tok, err := range s.Generate(ctx, ids, params) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(tok.Text)
	}
	st := s.Stats()
	fmt.Printf("\n-- %d prompt tokens at %.0f t/s, %d generated at %.0f t/s\n\n",
		st.PromptTokens, st.PromptRate(), st.Tokens, st.GenRate())

	// 2. A chat: messages in, the model's template (or a plain transcript
	// for models without one), the reply streamed.
	c, err := lm.NewChat(runtime.SessionOptions{})
	if err != nil {
		log.Fatal(err)
	}
	c.Messages = []chat.Message{{Role: "system", Content: "You answer briefly."}}
	fmt.Print("> Who are you?\n")
	for tok, err := range c.Send(ctx, chat.Message{Role: "user", Content: "Who are you?"}, runtime.GenerateParams{MaxTokens: *n}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(tok.Text)
	}
	fmt.Print("\n\n")

	// 3. Embeddings: cosine similarity of normalized mean-pooled vectors.
	texts := []string{"The king is dead.", "Long live the king!", "What is the price of fish?"}
	var vecs [][]float32
	for _, t := range texts {
		e, err := lm.Embed(ctx, t, runtime.EmbedOptions{Pooling: runtime.PoolMean, Normalize: true})
		if err != nil {
			log.Fatal(err)
		}
		vecs = append(vecs, e)
	}
	for i := range texts {
		for j := i + 1; j < len(texts); j++ {
			var cos float32
			for k := range vecs[i] {
				cos += vecs[i][k] * vecs[j][k]
			}
			fmt.Printf("cos(%q, %q) = %.3f\n", texts[i], texts[j], cos)
		}
	}
}
