package runtime_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/tokenizer/chat"
)

// The examples run the trained Shakespeare model of the test fixtures
// (set NARA_FIXTURES; without them TestMain leaves the examples out).
func exampleModel() string {
	root, ok := fixtures.Find()
	if !ok {
		fmt.Println("fixtures not found")
	}
	return filepath.Join(root, "models", "shakespeare-llama-5m.bf16.gguf")
}

// Load a model once and stream a greedy continuation of a prompt.
func Example() {
	lm, err := runtime.Load(exampleModel())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lm.Close()

	for tok, err := range lm.Generate(context.Background(), "ROMEO:\n", runtime.GenerateParams{MaxTokens: 21}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Print(tok.Text) // streamed as each token is drawn
	}
	fmt.Println()
	// Output:
	// Then, I'ld see, I'll patience to the city.
}

// Stop strings end the output (the stop string itself is left out).
func ExampleSession_Generate() {
	lm, err := runtime.Load(exampleModel())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lm.Close()
	s, err := lm.NewSession(runtime.SessionOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	prompt, _ := lm.Encode("ROMEO:\n")
	var text strings.Builder
	for tok, err := range s.Generate(context.Background(), prompt, runtime.GenerateParams{Stop: []string{"\n\n"}}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		text.WriteString(tok.Text)
		if tok.Stop != runtime.NotStopped {
			fmt.Printf("%q (%v)\n", text.String(), tok.Stop)
		}
	}
	fmt.Println(s.Len(), "tokens in the session")
	// Output:
	// "Then, I'ld see, I'll patience to the city." (stop string)
	// 27 tokens in the session
}

// A chat renders the conversation with the model's template; this base
// model has none, so it chats in a plain transcript.
func ExampleChat_Send() {
	lm, err := runtime.Load(exampleModel())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lm.Close()
	c, err := lm.NewChat(runtime.SessionOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Messages = []chat.Message{{Role: "system", Content: "A scene in Verona."}}
	for tok, err := range c.Send(context.Background(), chat.Message{Role: "user", Content: "Who goes there?"}, runtime.GenerateParams{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Print(tok.Text)
	}
	fmt.Println()
	fmt.Println(len(c.Messages), "messages")
	// Output:
	// I will be so.
	// 3 messages
}

// Embeddings: the final hidden states, pooled.
func ExampleLM_Embed() {
	lm, err := runtime.Load(exampleModel())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lm.Close()
	e, err := lm.Embed(context.Background(), "To be, or not to be", runtime.EmbedOptions{Pooling: runtime.PoolMean, Normalize: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	var norm float32
	for _, x := range e {
		norm += x * x
	}
	fmt.Printf("%d dimensions, length %.3f\n", len(e), norm)
	// Output:
	// 256 dimensions, length 1.000
}
