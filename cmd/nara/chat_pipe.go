package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// maxChatLine bounds one line of piped input.
const maxChatLine = 16 << 20

// chatPipe answers each line of in, a message, with one line of stdout: the
// reply streamed as it comes, newlines and backslashes escaped so that the
// reply stays on its line. Nothing else goes to stdout, so scripts can pair
// input and output lines. Every line is a message, even an empty one.
func chatPipe(cs *chatSession, in io.Reader, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxChatLine)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSuffix(sc.Text(), "\r")
		_, err := cs.send(ctx, text, func(s string) error {
			_, err := io.WriteString(stdout, escapeLine(s))
			return err
		})
		if _, werr := io.WriteString(stdout, "\n"); err == nil {
			err = werr
		}
		if errors.Is(err, context.Canceled) {
			return errors.New("interrupted")
		}
		if err != nil {
			return fmt.Errorf("stdin line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("stdin line %d: longer than %d MiB", n+1, maxChatLine>>20)
		}
		return fmt.Errorf("reading stdin: %w", err)
	}
	return nil
}

// escapeLine writes s on one line: \ as \\, newline as \n, carriage return
// as \r (the escapes `nara run -p` reads back).
func escapeLine(s string) string {
	if !strings.ContainsAny(s, "\\\n\r") {
		return s
	}
	return lineEscaper.Replace(s)
}

var lineEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)
