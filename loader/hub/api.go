package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Limits on what the hub's JSON answers may make us read.
const (
	maxInfoBytes  = 16 << 20 // /api/models/REPO/revision/REV
	maxTreeBytes  = 64 << 20 // one page of /api/models/REPO/tree/REV
	maxTreePages  = 10000
	maxTreeFiles  = 1 << 20
	userAgent     = "nara (+https://github.com/narallm/nara)"
	errBodyToShow = 300
)

// client talks to the hub's HTTP API.
type client struct {
	opts Options
}

// StatusError is an error answer from the hub. errors.Is matches it against
// ErrUnauthorized (401, 403) and ErrNotFound (404).
type StatusError struct {
	URL     string
	Status  int
	Code    string // X-Error-Code: RepoNotFound, EntryNotFound, GatedRepo…
	Message string // X-Error-Message, or the start of the body
	Token   bool   // whether a token was sent
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("GET %s: %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + strings.TrimRight(e.Message, ".")
	}
	switch {
	case e.Status == http.StatusUnauthorized && !e.Token:
		// The hub answers 401, not 404, for a repo that does not exist
		// when no token is given.
		msg += "; the repo does not exist, or it is private or gated: set HF_TOKEN"
	case e.Status == http.StatusUnauthorized:
		msg += "; the token in HF_TOKEN was refused"
	case e.Status == http.StatusForbidden:
		msg += "; this token has no access: gated repos need their terms accepted on the hub"
	}
	return msg
}

func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	}
	return false
}

// newRequest builds a GET with the token and the headers every call needs.
func (c *client) newRequest(ctx context.Context, u string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	// No transparent gzip: byte counts, ranges and hashes are of the file.
	req.Header.Set("Accept-Encoding", "identity")
	if c.opts.Token != "" {
		// net/http drops this header when a redirect leaves the hub's
		// domain, so the CDN never sees the token.
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	return req, nil
}

// statusError reads what the hub says about a failed request.
func (c *client) statusError(resp *http.Response) error {
	e := &StatusError{
		URL:     showURL(resp.Request.URL),
		Status:  resp.StatusCode,
		Code:    clean(resp.Header.Get("X-Error-Code"), 100),
		Message: clean(resp.Header.Get("X-Error-Message"), errBodyToShow),
		Token:   c.opts.Token != "",
	}
	if e.Message == "" {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var j struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &j) == nil && j.Error != "" {
			e.Message = clean(j.Error, errBodyToShow)
		} else {
			e.Message = clean(string(body), errBodyToShow)
		}
	}
	return e
}

// showURL prints a URL for messages without its query, which on a CDN
// holds a signature.
func showURL(u *url.URL) string {
	v := *u
	v.RawQuery, v.ForceQuery, v.User = "", false, nil
	return v.String()
}

// clean makes server text safe to print: printable, one line, at most n
// bytes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// getJSON fetches u and decodes at most limit bytes of JSON into v. It
// returns the response headers (for pagination links).
func (c *client) getJSON(ctx context.Context, u string, limit int64, v any) (http.Header, error) {
	req, err := c.newRequest(ctx, u)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", showURL(resp.Request.URL), err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: answer longer than %d bytes", showURL(resp.Request.URL), limit)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("GET %s: bad JSON: %w", showURL(resp.Request.URL), err)
	}
	return resp.Header, nil
}

func (c *client) apiURL(repo, what, rev string) string {
	return c.opts.Endpoint + "/api/models/" + repo + "/" + what + "/" + url.PathEscape(rev)
}

// fileURL is where the hub serves a file at a revision. LFS files redirect
// to a CDN.
func (c *client) fileURL(repo, rev, path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return c.opts.Endpoint + "/" + repo + "/resolve/" + url.PathEscape(rev) + "/" + strings.Join(parts, "/")
}

// commit asks which commit rev points to, so that every file of one pull
// comes from the same commit.
func (c *client) commit(ctx context.Context, repo, rev string) (string, error) {
	var info struct {
		SHA string `json:"sha"`
	}
	if _, err := c.getJSON(ctx, c.apiURL(repo, "revision", rev), maxInfoBytes, &info); err != nil {
		return "", fmt.Errorf("hub %s: revision %q: %w", repo, rev, err)
	}
	sha := strings.ToLower(info.SHA)
	if !isCommit(sha) {
		return "", fmt.Errorf("hub %s: revision %q: field sha %q is not a commit id", repo, rev, clean(info.SHA, 80))
	}
	return sha, nil
}

// tree lists every file of the repo at commit, following the pages the hub
// links with `Link: <…>; rel="next"`.
func (c *client) tree(ctx context.Context, repo, commit string) ([]entry, error) {
	u := c.apiURL(repo, "tree", commit) + "?recursive=true"
	var files []entry
	seen := map[string]bool{}
	for page := 0; u != ""; page++ {
		if page == maxTreePages {
			return nil, fmt.Errorf("hub %s: tree: more than %d pages", repo, maxTreePages)
		}
		var raw json.RawMessage
		h, err := c.getJSON(ctx, u, maxTreeBytes, &raw)
		if err != nil {
			return nil, fmt.Errorf("hub %s: tree: %w", repo, err)
		}
		es, err := parseTree(raw)
		if err != nil {
			return nil, fmt.Errorf("hub %s: tree page %d: %w", repo, page+1, err)
		}
		for _, e := range es {
			if seen[e.Path] {
				return nil, fmt.Errorf("hub %s: tree: file %q listed twice", repo, e.Path)
			}
			seen[e.Path] = true
		}
		files = append(files, es...)
		if len(files) > maxTreeFiles {
			return nil, fmt.Errorf("hub %s: tree: more than %d files", repo, maxTreeFiles)
		}
		if u, err = c.nextPage(u, h.Get("Link")); err != nil {
			return nil, fmt.Errorf("hub %s: tree: %w", repo, err)
		}
	}
	return files, nil
}

// nextPage finds the rel="next" link, which must stay on the hub: the token
// goes with it.
func (c *client) nextPage(current, link string) (string, error) {
	next := nextLink(link)
	if next == "" {
		return "", nil
	}
	base, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	n, err := base.Parse(next)
	if err != nil {
		return "", fmt.Errorf("bad next link %q", clean(next, 200))
	}
	end, _ := url.Parse(c.opts.Endpoint)
	if n.Scheme != end.Scheme || n.Host != end.Host {
		return "", fmt.Errorf("next link %q leaves %s", clean(n.Redacted(), 200), c.opts.Endpoint)
	}
	return n.String(), nil
}

// nextLink extracts the target of rel="next" from an RFC 8288 Link header.
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, "<") {
			continue
		}
		end := strings.IndexByte(part, '>')
		if end < 0 {
			continue
		}
		for _, p := range strings.Split(part[end+1:], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "rel") {
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(v), `"`)) {
					if strings.EqualFold(rel, "next") {
						return part[1:end]
					}
				}
			}
		}
	}
	return ""
}

// entry is one file of a repo listing, as kept in the manifest.
type entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	OID    string `json:"oid,omitempty"`    // git blob id: sha1 of "blob SIZE\0" + content; the ETag of a small file
	SHA256 string `json:"sha256,omitempty"` // content sha256 of an LFS file
}

// parseTree reads one page of the tree API: a JSON array of
// {"type":"file","path","size","oid","lfs":{"oid","size"}}; directories are
// skipped. Everything is checked, as it decides file names and sizes.
func parseTree(data []byte) ([]entry, error) {
	var items []struct {
		Type string `json:"type"`
		Path string `json:"path"`
		Size *int64 `json:"size"`
		OID  string `json:"oid"`
		LFS  *struct {
			OID  string `json:"oid"`
			Size *int64 `json:"size"`
		} `json:"lfs"`
	}
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fmt.Errorf("bad JSON: %w", err)
	}
	var out []entry
	for i, it := range items {
		if it.Type != "file" {
			continue
		}
		if !validPath(it.Path) {
			return nil, fmt.Errorf("item %d: path %q is not a relative path inside the repo", i, clean(it.Path, 200))
		}
		e := entry{Path: it.Path}
		size := it.Size
		if it.LFS != nil {
			// The LFS object is the file; the git blob is only a pointer.
			e.SHA256 = strings.ToLower(it.LFS.OID)
			if !isHex(e.SHA256, 64) {
				return nil, fmt.Errorf("file %q: field lfs.oid %q is not a sha256", it.Path, clean(it.LFS.OID, 80))
			}
			if it.LFS.Size != nil {
				size = it.LFS.Size
			}
		} else if oid := strings.ToLower(it.OID); isHex(oid, 40) {
			e.OID = oid
		}
		if size == nil || *size < 0 {
			return nil, fmt.Errorf("file %q: field size missing or negative", it.Path)
		}
		e.Size = *size
		out = append(out, e)
	}
	return out, nil
}
