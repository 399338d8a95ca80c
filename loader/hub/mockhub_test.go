package hub

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// mockHub mimics the hub's endpoints that pulls use:
//
//	GET /api/models/ORG/NAME/revision/REV  {"id", "sha", "siblings"}
//	GET /api/models/ORG/NAME/tree/REV      [{"type","path","size","oid","lfs"}], paged with Link
//	GET /ORG/NAME/resolve/REV/PATH         small files served directly (ETag = git blob id);
//	                                       LFS files redirected to a second server, the "CDN"
//
// with the hub's auth behaviour (401 without a token for private and for
// missing repos, 404 with one) and switches for misbehaving servers.
type mockHub struct {
	t   *testing.T
	hub *httptest.Server
	cdn *httptest.Server

	mu    sync.Mutex
	repos map[string]*mockRepo

	ignoreRange bool          // answer Range requests with 200 and the whole file
	corrupt     bool          // flip one byte of every file sent
	cutAfter    int64         // >0: the next file response stops after this many bytes
	pause       chan struct{} // non-nil: file responses send half, then wait for it to close
	pageSize    int           // files per tree page; 0 for one page
	tree        []byte        // non-nil: the tree answer, verbatim

	served   int64    // file bytes sent
	ranges   []string // Range header of every file request, "" when none
	auths    []string // Authorization header of every API and resolve request
	cdnAuths []string // Authorization header of every CDN request
}

type mockFile struct {
	data []byte
	lfs  bool
}

type mockRepo struct {
	files   map[string]mockFile
	token   string // non-empty: a private repo that needs this token
	movedTo string // non-empty: the repo was renamed; the hub redirects
}

func newMockHub(t *testing.T) *mockHub {
	m := &mockHub{t: t, repos: map[string]*mockRepo{}}
	m.hub = httptest.NewServer(http.HandlerFunc(m.serveHub))
	m.cdn = httptest.NewServer(http.HandlerFunc(m.serveCDN))
	t.Cleanup(func() {
		m.mu.Lock()
		if m.pause != nil {
			select {
			case <-m.pause:
			default:
				close(m.pause)
			}
		}
		m.mu.Unlock()
		m.hub.Close()
		m.cdn.Close()
		shaMemo.Clear()
	})
	return m
}

func (m *mockHub) addRepo(name string, r *mockRepo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.repos[name] = r
}

// commit is the repo's head: a hash of its content, so it changes whenever
// a file does.
func (r *mockRepo) commit() string {
	h := sha1.New()
	for _, p := range r.paths() {
		fmt.Fprintf(h, "%s\x00%s\x00", p, sha256hex(r.files[p].data))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (r *mockRepo) paths() []string {
	var ps []string
	for p := range r.files {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// gitOID is git's blob id, computed here independently of the code under
// test (which hashes incrementally).
func gitOID(data []byte) string {
	return fmt.Sprintf("%x", sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(data))), data...)))
}

// sha256hex is the content hash, remembered per buffer: the mock hashes
// every LFS file on every request, and fixture files are megabytes.
func sha256hex(data []byte) string {
	if len(data) == 0 {
		return fmt.Sprintf("%x", sha256.Sum256(nil))
	}
	key := shaKey{&data[0], len(data)}
	if s, ok := shaMemo.Load(key); ok {
		return s.(string)
	}
	s := fmt.Sprintf("%x", sha256.Sum256(data))
	shaMemo.Store(key, s)
	return s
}

type shaKey struct {
	p *byte
	n int
}

var shaMemo sync.Map

func hubError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Error-Code", code)
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// repoFor finds the repo and checks access the way the hub does. It
// returns nil after answering when the request cannot go on.
func (m *mockHub) repoFor(w http.ResponseWriter, r *http.Request, name, rest string) *mockRepo {
	repo := m.repos[name]
	auth := r.Header.Get("Authorization")
	switch {
	case repo == nil && auth == "":
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Invalid username or password.")
	case repo == nil:
		hubError(w, http.StatusNotFound, "RepoNotFound", "Repository not found")
	case repo.movedTo != "":
		w.Header().Set("Location", strings.Replace(r.URL.Path, name, repo.movedTo, 1)+rest)
		w.WriteHeader(http.StatusTemporaryRedirect)
	case repo.token != "" && auth == "":
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Invalid username or password.")
	case repo.token != "" && auth != "Bearer "+repo.token:
		hubError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header")
	default:
		return repo
	}
	return nil
}

func (m *mockHub) serveHub(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.auths = append(m.auths, r.Header.Get("Authorization"))
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	query := ""
	if r.URL.RawQuery != "" {
		query = "?" + r.URL.RawQuery
	}
	if len(parts) == 6 && parts[0] == "api" && parts[1] == "models" {
		defer m.mu.Unlock()
		repo := m.repoFor(w, r, parts[2]+"/"+parts[3], query)
		if repo == nil {
			return
		}
		commit := repo.commit()
		if rev := parts[5]; rev != "main" && rev != commit {
			hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
			return
		}
		switch parts[4] {
		case "revision":
			var sib []map[string]string
			for _, p := range repo.paths() {
				sib = append(sib, map[string]string{"rfilename": p})
			}
			json.NewEncoder(w).Encode(map[string]any{"id": parts[2] + "/" + parts[3], "sha": commit, "siblings": sib})
		case "tree":
			m.serveTree(w, r, repo)
		default:
			http.NotFound(w, r)
		}
		return
	}
	if len(parts) >= 5 && parts[2] == "resolve" {
		repo := m.repoFor(w, r, parts[0]+"/"+parts[1], "")
		if repo == nil {
			m.mu.Unlock()
			return
		}
		commit := repo.commit()
		if rev := parts[3]; rev != "main" && rev != commit {
			m.mu.Unlock()
			hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
			return
		}
		f, ok := repo.files[strings.Join(parts[4:], "/")]
		if !ok {
			m.mu.Unlock()
			hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
			return
		}
		w.Header().Set("X-Repo-Commit", commit)
		if f.lfs {
			sum := sha256hex(f.data)
			w.Header().Set("X-Linked-Etag", `"`+sum+`"`)
			w.Header().Set("X-Linked-Size", strconv.Itoa(len(f.data)))
			w.Header().Set("Location", m.cdn.URL+"/blobs/"+sum+"?expires=soon")
			m.mu.Unlock()
			w.WriteHeader(http.StatusFound)
			return
		}
		w.Header().Set("ETag", `"`+gitOID(f.data)+`"`)
		m.mu.Unlock()
		m.serveBytes(w, r, f.data)
		return
	}
	m.mu.Unlock()
	http.NotFound(w, r)
}

// serveTree lists files as the hub does, in pages linked by a cursor.
func (m *mockHub) serveTree(w http.ResponseWriter, r *http.Request, repo *mockRepo) {
	if m.tree != nil {
		w.Write(m.tree)
		return
	}
	var items []map[string]any
	dirs := map[string]bool{}
	for _, p := range repo.paths() {
		if i := strings.LastIndex(p, "/"); i > 0 && !dirs[p[:i]] {
			dirs[p[:i]] = true
			items = append(items, map[string]any{"type": "directory", "path": p[:i], "oid": gitOID(nil), "size": 0})
		}
		f := repo.files[p]
		it := map[string]any{"type": "file", "path": p, "size": len(f.data)}
		if f.lfs {
			it["oid"] = gitOID([]byte("version https://git-lfs.github.com/spec/v1\n"))
			it["lfs"] = map[string]any{"oid": sha256hex(f.data), "size": len(f.data), "pointerSize": 134}
		} else {
			it["oid"] = gitOID(f.data)
		}
		items = append(items, it)
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	end := len(items)
	if m.pageSize > 0 && start+m.pageSize < end {
		end = start + m.pageSize
		next := *r.URL
		q := next.Query()
		q.Set("cursor", strconv.Itoa(end))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, m.hub.URL, next.RequestURI()))
	}
	if start > end {
		start = end
	}
	page := items[start:end]
	if page == nil {
		page = []map[string]any{}
	}
	json.NewEncoder(w).Encode(page)
}

func (m *mockHub) serveCDN(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.cdnAuths = append(m.cdnAuths, r.Header.Get("Authorization"))
	sum := strings.TrimPrefix(r.URL.Path, "/blobs/")
	var data []byte
	for _, repo := range m.repos {
		for _, f := range repo.files {
			if f.lfs && sha256hex(f.data) == sum {
				data = f.data
			}
		}
	}
	m.mu.Unlock()
	if data == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", `"cdn-`+sum[:8]+`"`)
	m.serveBytes(w, r, data)
}

// serveBytes sends a file, honouring Range unless told otherwise.
func (m *mockHub) serveBytes(w http.ResponseWriter, r *http.Request, data []byte) {
	m.mu.Lock()
	m.ranges = append(m.ranges, r.Header.Get("Range"))
	if m.corrupt {
		data = bytes.Clone(data)
		data[len(data)/2] ^= 0x20
	}
	cw := &countingWriter{ResponseWriter: w, m: m, limit: m.cutAfter}
	m.cutAfter = 0
	pause := m.pause
	if m.ignoreRange {
		r.Header.Del("Range")
	}
	m.mu.Unlock()
	if pause != nil {
		half := int64(len(data) / 2)
		if rng := r.Header.Get("Range"); rng != "" {
			// Resuming after a pause: send the rest at once.
			http.ServeContent(cw, r, "", time.Time{}, bytes.NewReader(data))
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		cw.Write(data[:half])
		w.(http.Flusher).Flush()
		select {
		case <-pause:
			cw.Write(data[half:])
		case <-r.Context().Done():
		}
		return
	}
	http.ServeContent(cw, r, "", time.Time{}, bytes.NewReader(data))
}

// countingWriter counts body bytes and, with a limit, breaks the
// connection after that many.
type countingWriter struct {
	http.ResponseWriter
	m       *mockHub
	limit   int64
	written int64
}

var errCut = errors.New("cut")

func (c *countingWriter) Write(p []byte) (int, error) {
	cut := false
	if c.limit > 0 && c.written+int64(len(p)) > c.limit {
		p = p[:c.limit-c.written]
		cut = true
	}
	n, err := c.ResponseWriter.Write(p)
	c.written += int64(n)
	c.m.mu.Lock()
	c.m.served += int64(n)
	c.m.mu.Unlock()
	if cut {
		// Returning from the handler with less than Content-Length sent
		// makes the server close the connection.
		return n, errCut
	}
	return n, err
}

func (m *mockHub) stats() (served int64, ranges []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.served, slices.Clone(m.ranges)
}

// payload is n deterministic pseudo-random bytes.
func payload(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
