package hub

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Ref names what to pull: a repo and, optionally, a file or quantization tag
// in it (see Pull for what File may be).
type Ref struct {
	Repo string // "org/name"
	File string
}

func (r Ref) String() string {
	if r.File == "" {
		return r.Repo
	}
	return r.Repo + ":" + r.File
}

// ParseRef reads "org/name", "org/name:file.gguf" or "org/name:Q4_K_M",
// optionally behind "hf://", "hf.co/", "huggingface.co/" or
// "https://huggingface.co/". The tag "latest" means no tag, as in ollama.
func ParseRef(s string) (Ref, error) {
	rest := s
	for _, p := range []string{"hf://", "https://huggingface.co/", "https://hf.co/", "huggingface.co/", "hf.co/"} {
		if strings.HasPrefix(rest, p) {
			rest = rest[len(p):]
			break
		}
	}
	repo, file, hasFile := strings.Cut(rest, ":")
	r := Ref{Repo: repo, File: file}
	if hasFile && file == "" {
		return Ref{}, fmt.Errorf("hub: reference %q: empty file after ':'", s)
	}
	if strings.EqualFold(r.File, "latest") {
		r.File = ""
	}
	if err := r.validate(); err != nil {
		return Ref{}, fmt.Errorf("hub: reference %q: %w", s, err)
	}
	return r, nil
}

func (r Ref) validate() error {
	org, name, ok := strings.Cut(r.Repo, "/")
	if !ok || !validRepoPart(org) || !validRepoPart(name) {
		return fmt.Errorf("repo %q is not ORG/NAME (letters, digits, '-', '_', '.')", r.Repo)
	}
	if r.File != "" && !validPath(r.File) {
		return fmt.Errorf("file %q is not a relative path inside the repo", r.File)
	}
	return nil
}

// validRepoPart follows the hub's rule for user and repo names: letters,
// digits, '-', '_' and '.', at most 96 of them, no "--" or "..", and no '-'
// or '.' at either end. It also keeps the names safe as directory names.
func validRepoPart(s string) bool {
	if s == "" || len(s) > 96 || strings.Contains(s, "--") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case c == '-' || c == '.':
			if i == 0 || i == len(s)-1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validPath accepts a file path from the hub (or from the user) only if it
// stays inside the directory it is joined to: slash-separated, relative, no
// empty, "." or ".." element, no backslash or control character.
func validPath(p string) bool {
	if p == "" || len(p) > 1024 || !utf8.ValidString(p) || strings.HasPrefix(p, "/") {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return false
		}
	}
	// Also what the local OS considers a local path (reserved names on
	// Windows, for one).
	return filepath.IsLocal(filepath.FromSlash(p))
}

// validRevision accepts branch and tag names and commit ids. They are
// path-escaped wherever they are used, so only a few characters are out.
func validRevision(r string) bool {
	if r == "" || len(r) > 256 || !utf8.ValidString(r) || r == "." || r == ".." {
		return false
	}
	for _, c := range r {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// isCommit reports whether s is a full git commit id.
func isCommit(s string) bool { return isHex(s, 40) }

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
