package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/peterh/liner"
	"golang.org/x/term"
)

const chatHelp = `Type a message and press Enter. A line ending in \ goes on on the next line;
""" on a line of its own starts and ends a message of several lines.
  /system TEXT   set the system prompt (/system alone shows it, /system - removes it)
  /reset         forget the conversation, keep the system prompt
  /save FILE     write the conversation and system prompt to FILE (JSON)
  /load FILE     continue the conversation saved in FILE
  /stats         speed of the last reply and the context in use
  /help          this text
  /bye           leave (or Ctrl-D)
Ctrl-C stops a reply and clears the line being typed.
`

const (
	chatPrompt = ">>> "
	morePrompt = "... "
)

// errInterrupted is Ctrl-C at the prompt.
var errInterrupted = errors.New("interrupted")

// lineReader reads what the user types. Prompt returns io.EOF at the end of
// input (Ctrl-D) and errInterrupted on Ctrl-C.
type lineReader interface {
	Prompt(prompt string) (string, error)
	AppendHistory(line string)
	Close() error
}

// chatInteractive runs the chat on a terminal: line editing and history,
// replies streamed, slash commands, Ctrl-C to stop a reply.
func chatInteractive(cs *chatSession, stdout io.Writer) error {
	// The editor keeps the terminal from sending signals while it reads a
	// line and reports Ctrl-C itself. Between lines, during a reply, Ctrl-C
	// is a SIGINT: it cancels the reply, and never ends the program here
	// (which would leave the terminal in the editor's mode).
	var mu sync.Mutex
	var cancelReply context.CancelFunc
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	go func() {
		for range sig {
			mu.Lock()
			if cancelReply != nil {
				cancelReply()
			}
			mu.Unlock()
		}
	}()
	defer func() {
		signal.Stop(sig)
		close(sig)
	}()

	var in lineReader
	if term.IsTerminal(int(os.Stdout.Fd())) {
		in = newLinerReader()
	} else {
		// Output to a file: no line editor (it draws on stdout); prompts
		// go to stderr so that the file holds only the conversation.
		in = &plainReader{r: bufio.NewReader(os.Stdin), w: os.Stderr}
	}
	defer in.Close()

	fmt.Fprintf(os.Stderr, "Chatting with %s (context %d tokens). /help for help, Ctrl-D or /bye to leave.\n",
		cs.name, cs.chat.Session().Context())
	for {
		text, isCommand, err := readMessage(in)
		switch {
		case errors.Is(err, io.EOF):
			fmt.Fprintln(stdout)
			return nil
		case errors.Is(err, errInterrupted):
			fmt.Fprintln(os.Stderr, "(Ctrl-D or /bye leaves)")
			continue
		case err != nil:
			return err
		}
		if isCommand {
			leave, err := cs.command(text, stdout)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%v\n", err)
			}
			if leave {
				return nil
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}

		ctx, cancel := context.WithCancel(context.Background())
		mu.Lock()
		cancelReply = cancel
		mu.Unlock()
		w := &replyWriter{w: stdout}
		_, err = cs.send(ctx, text, w.write)
		mu.Lock()
		cancelReply = nil
		mu.Unlock()
		cancel()
		w.end()
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(os.Stderr, "(reply stopped)")
		case err != nil:
			fmt.Fprintf(os.Stderr, "error: %v\n", err)
		}
		fmt.Fprintln(stdout)
	}
}

// readMessage reads one message, of several lines when they end in \ or
// stand between """ lines, or one slash command (isCommand).
func readMessage(in lineReader) (text string, isCommand bool, err error) {
	line, err := in.Prompt(chatPrompt)
	if err != nil {
		return "", false, err
	}
	remember(in, line)
	if strings.HasPrefix(line, "/") {
		return line, true, nil
	}
	if rest, ok := strings.CutPrefix(line, `"""`); ok {
		// """text""" is a message of one line; otherwise the message runs
		// to the line ending in """.
		if body, closed := strings.CutSuffix(rest, `"""`); closed {
			return body, false, nil
		}
		var lines []string
		if rest != "" {
			lines = append(lines, rest)
		}
		for {
			if line, err = in.Prompt(morePrompt); err != nil {
				return "", false, err
			}
			remember(in, line)
			if body, closed := strings.CutSuffix(line, `"""`); closed {
				if body != "" {
					lines = append(lines, body)
				}
				return strings.Join(lines, "\n"), false, nil
			}
			lines = append(lines, line)
		}
	}
	var lines []string
	for {
		body, more := strings.CutSuffix(line, `\`)
		lines = append(lines, body)
		if !more {
			return strings.Join(lines, "\n"), false, nil
		}
		if line, err = in.Prompt(morePrompt); err != nil {
			return "", false, err
		}
		remember(in, line)
	}
}

// remember puts a line in the history (not blank ones).
func remember(in lineReader, line string) {
	if strings.TrimSpace(line) != "" {
		in.AppendHistory(line)
	}
}

// command runs a slash command. It reports whether the user leaves.
func (cs *chatSession) command(line string, out io.Writer) (leave bool, err error) {
	name, arg, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "/")), " ")
	arg = strings.TrimSpace(arg)
	file := arg
	if rest, ok := strings.CutPrefix(arg, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			file = filepath.Join(home, rest)
		}
	}
	needArg := func(what string) error {
		if arg == "" {
			return fmt.Errorf("/%s needs %s", name, what)
		}
		return nil
	}
	switch name {
	case "help", "?":
		fmt.Fprint(out, chatHelp)
	case "bye", "exit", "quit":
		return true, nil
	case "reset", "clear":
		cs.reset()
		fmt.Fprintln(out, "Conversation cleared (the system prompt stays).")
	case "system":
		switch arg {
		case "":
			if s := cs.system(); s != "" {
				fmt.Fprintf(out, "System prompt: %s\n", s)
			} else {
				fmt.Fprintln(out, "No system prompt.")
			}
		case "-":
			cs.setSystem("")
			fmt.Fprintln(out, "System prompt removed.")
		default:
			cs.setSystem(arg)
			fmt.Fprintln(out, "System prompt set.")
		}
	case "save":
		if err := needArg("a file name"); err != nil {
			return false, err
		}
		if err := cs.save(file); err != nil {
			return false, err
		}
		fmt.Fprintf(out, "Saved %d messages to %s.\n", len(cs.turns()), arg)
	case "load":
		if err := needArg("a file name"); err != nil {
			return false, err
		}
		if err := cs.load(file); err != nil {
			return false, err
		}
		fmt.Fprintf(out, "Loaded %d messages from %s.\n", len(cs.turns()), arg)
	case "stats":
		fmt.Fprint(out, cs.stats())
	default:
		return false, fmt.Errorf("unknown command /%s (/help lists them)", name)
	}
	return false, nil
}

// replyWriter streams a reply to the terminal. A model can emit any bytes,
// control characters and escape sequences included: they are shown, not
// obeyed, so a reply cannot move the cursor or change the terminal.
type replyWriter struct {
	w    io.Writer
	last byte
}

func (r *replyWriter) write(s string) error {
	s = terminalSafe(s)
	if s == "" {
		return nil
	}
	r.last = s[len(s)-1]
	_, err := io.WriteString(r.w, s)
	return err
}

// end finishes the reply's last line.
func (r *replyWriter) end() {
	if r.last != 0 && r.last != '\n' {
		io.WriteString(r.w, "\n")
	}
}

// terminalSafe returns s with control characters other than newline and tab
// in caret notation (^[ for ESC) and bytes that are not UTF-8 as U+FFFD.
func terminalSafe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		case r == 0x7f:
			b.WriteString("^?")
		case unicode.IsControl(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r) // RuneError for a byte that is not UTF-8
		}
	}
	return b.String()
}

// linerReader is the line editor, with history kept across runs.
type linerReader struct {
	*liner.State
	history string
}

func newLinerReader() *linerReader {
	l := &linerReader{State: liner.NewLiner(), history: chatHistoryPath()}
	l.SetCtrlCAborts(true)
	if l.history != "" {
		if f, err := os.Open(l.history); err == nil {
			l.ReadHistory(f)
			f.Close()
		}
	}
	return l
}

func (l *linerReader) Prompt(p string) (string, error) {
	s, err := l.State.Prompt(p)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	return s, err
}

// Close saves the history and gives the terminal back as it was.
func (l *linerReader) Close() error {
	if l.history != "" {
		if err := os.MkdirAll(filepath.Dir(l.history), 0o755); err == nil {
			// Private: the history holds what was typed.
			if f, err := os.OpenFile(l.history, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err == nil {
				l.WriteHistory(f)
				f.Close()
			}
		}
	}
	return l.State.Close()
}

// chatHistoryPath is where typed lines are kept between runs:
// $NARA_HOME/chat_history, else the user cache directory's nara/chat_history;
// "" when there is neither.
func chatHistoryPath() string {
	if home := os.Getenv("NARA_HOME"); home != "" {
		return filepath.Join(home, "chat_history")
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "nara", "chat_history")
	}
	return ""
}

// plainReader reads lines without editing, for a terminal whose output is
// redirected.
type plainReader struct {
	r *bufio.Reader
	w io.Writer
}

func (p *plainReader) Prompt(prompt string) (string, error) {
	fmt.Fprint(p.w, prompt)
	line, err := p.r.ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (p *plainReader) AppendHistory(string) {}
func (p *plainReader) Close() error         { return nil }
