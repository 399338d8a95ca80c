package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Retries of one file: a dropped connection or a 5xx answer is retried,
// resuming where it stopped; 4xx answers and checksum errors are not.
const maxAttempts = 5

var retryDelay = time.Second // times the attempt number; tests shorten it

// downloader fetches files of one commit of one repo into the cache.
type downloader struct {
	api    *client
	cache  cache
	repo   string
	commit string
}

// fetch puts e into the snapshot unless it is there already.
func (d *downloader) fetch(ctx context.Context, e entry, prog *meter) error {
	if d.cache.complete(d.commit, e) {
		prog.report(e.Size)
		return nil
	}
	name := d.repo + "/" + e.Path
	unlock, err := lockFile(ctx, d.cache.lock(d.commit, e.Path), func() {
		d.api.opts.Logf("waiting for another download of %s", name)
	})
	if err != nil {
		return fmt.Errorf("hub %s: lock: %w", name, err)
	}
	defer unlock()
	// Another process may have finished it while we waited.
	if d.cache.complete(d.commit, e) {
		prog.report(e.Size)
		return nil
	}
	if from, ok := d.cache.reuse(d.commit, e); ok {
		d.api.opts.Logf("%s: unchanged since commit %s, linked", e.Path, short(from))
		prog.report(e.Size)
		return nil
	}
	return d.download(ctx, e, name, prog)
}

// transfer is the state of one file's download.
type transfer struct {
	e      entry
	name   string   // repo/path, for messages
	f      *os.File // the .part file
	have   int64    // bytes in f
	v      *verifier
	hashed int64 // bytes of f fed to v
	prog   *meter
}

// download fills the .part file, resuming what is there, checks it and
// moves it into the snapshot.
func (d *downloader) download(ctx context.Context, e entry, name string, prog *meter) error {
	logf := d.api.opts.Logf
	partPath := d.cache.part(d.commit, e.Path)
	if err := os.MkdirAll(filepath.Dir(partPath), 0o755); err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	f, err := os.OpenFile(partPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	closed := false
	defer func() {
		if !closed {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	t := &transfer{e: e, name: name, f: f, have: st.Size(), v: newVerifier(e), prog: prog}
	if t.have > e.Size {
		// Left by a different version of the file.
		if err := f.Truncate(0); err != nil {
			return fmt.Errorf("hub %s: %w", name, err)
		}
		t.have = 0
	}
	if t.have > 0 {
		logf("resuming %s at byte %d of %d", e.Path, t.have, e.Size)
	} else {
		logf("downloading %s (%d bytes)", e.Path, e.Size)
	}
	prog.report(t.have)

	for attempt := 1; t.have < e.Size; attempt++ {
		retry, err := d.attempt(ctx, t)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("hub %s: %w (kept %d of %d bytes in %s)", name, ctx.Err(), t.have, e.Size, partPath)
		}
		if !retry || attempt == maxAttempts {
			return fmt.Errorf("hub %s: %w", name, err)
		}
		logf("%s: %v; retrying", e.Path, err)
		if err := sleep(ctx, time.Duration(attempt)*retryDelay); err != nil {
			return fmt.Errorf("hub %s: %w (kept %d of %d bytes in %s)", name, err, t.have, e.Size, partPath)
		}
	}

	if err := t.catchUp(); err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	if t.v == nil {
		logf("%s: the hub gives no checksum for it; only its size was checked", e.Path)
	} else if got := t.v.sum(); got != t.v.want {
		f.Close()
		closed = true
		os.Remove(partPath)
		return fmt.Errorf("hub %s: %w: %s is %s, the hub says %s (download removed)", name, ErrChecksum, t.v.kind, got, t.v.want)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	final := d.cache.file(d.commit, e.Path)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	if err := os.Rename(partPath, final); err != nil {
		return fmt.Errorf("hub %s: %w", name, err)
	}
	return nil
}

// attempt makes one GET and appends what arrives to the part file. retry
// says whether another attempt may help.
func (d *downloader) attempt(ctx context.Context, t *transfer) (retry bool, err error) {
	req, err := d.api.newRequest(ctx, d.api.fileURL(d.repo, d.commit, t.e.Path))
	if err != nil {
		return false, err
	}
	if t.have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", t.have))
	}
	resp, err := d.api.opts.Client.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && t.have > 0:
		if err := checkContentRange(resp.Header.Get("Content-Range"), t.have, t.e.Size); err != nil {
			return false, err
		}
	case resp.StatusCode == http.StatusOK:
		if t.have > 0 {
			d.api.opts.Logf("%s: the server ignored the range request; starting over", t.e.Path)
			if err := t.restart(); err != nil {
				return false, err
			}
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// The part file does not fit the file the server has.
		if err := t.restart(); err != nil {
			return false, err
		}
		return true, errors.New("range not satisfiable; starting over")
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return true, d.api.statusError(resp)
	default:
		return false, d.api.statusError(resp)
	}
	want := t.e.Size - t.have
	if resp.ContentLength >= 0 && resp.ContentLength != want {
		return false, fmt.Errorf("the server sends %d bytes, the listing says %d are missing", resp.ContentLength, want)
	}
	if t.v == nil {
		t.v = verifierFromHeaders(resp, d.api.opts.Endpoint, t.e.Size)
	}
	if err := t.catchUp(); err != nil {
		return false, err
	}
	if _, err := t.f.Seek(t.have, io.SeekStart); err != nil {
		return false, err
	}
	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if int64(n) > t.e.Size-t.have {
				return false, fmt.Errorf("the server sends more than the %d bytes the listing gives", t.e.Size)
			}
			if _, err := t.f.Write(buf[:n]); err != nil {
				return false, err
			}
			if t.v != nil {
				t.v.Write(buf[:n])
				t.hashed += int64(n)
			}
			t.have += int64(n)
			t.prog.report(int64(n))
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return true, rerr
		}
	}
	if t.have < t.e.Size {
		return true, fmt.Errorf("connection closed at %d of %d bytes", t.have, t.e.Size)
	}
	return false, nil
}

// restart empties the part file: the server will send from byte 0.
func (t *transfer) restart() error {
	if err := t.f.Truncate(0); err != nil {
		return err
	}
	t.prog.report(-t.have)
	t.have, t.hashed = 0, 0
	if t.v != nil {
		t.v.reset()
	}
	return nil
}

// catchUp feeds the verifier the bytes already in the part file (from an
// earlier run) that it has not seen.
func (t *transfer) catchUp() error {
	if t.v == nil || t.hashed == t.have {
		return nil
	}
	if _, err := io.Copy(t.v, io.NewSectionReader(t.f, t.hashed, t.have-t.hashed)); err != nil {
		return err
	}
	t.hashed = t.have
	return nil
}

// checkContentRange accepts "bytes START-END/TOTAL" only if it continues
// the part file to the end of the file.
func checkContentRange(h string, start, size int64) error {
	bad := fmt.Errorf("the server answers range %d- with Content-Range %q", start, clean(h, 100))
	spec, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return bad
	}
	rng, total, ok := strings.Cut(spec, "/")
	if !ok {
		return bad
	}
	first, last, ok := strings.Cut(rng, "-")
	if !ok {
		return bad
	}
	a, err1 := strconv.ParseInt(first, 10, 64)
	b, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || a != start || b != size-1 {
		return bad
	}
	if total != "*" {
		if n, err := strconv.ParseInt(total, 10, 64); err != nil || n != size {
			return bad
		}
	}
	return nil
}

// verifier hashes a download to compare it with what the hub lists.
type verifier struct {
	hash.Hash
	kind string // "sha256" or "git blob id"
	want string // lowercase hex
	size int64  // for the git blob header
}

func newVerifier(e entry) *verifier {
	switch {
	case e.SHA256 != "":
		return &verifier{Hash: sha256.New(), kind: "sha256", want: e.SHA256}
	case e.OID != "":
		v := &verifier{Hash: sha1.New(), kind: "git blob id", want: e.OID, size: e.Size}
		v.reset()
		return v
	}
	return nil
}

func (v *verifier) reset() {
	v.Hash.Reset()
	if v.kind == "git blob id" {
		// git hashes a blob as "blob SIZE\0" followed by the bytes.
		fmt.Fprintf(v.Hash, "blob %d\x00", v.size)
	}
}

func (v *verifier) sum() string { return hex.EncodeToString(v.Hash.Sum(nil)) }

// verifierFromHeaders is the fallback when the listing has no hash: the
// hub's X-Linked-Etag (sha256 of an LFS file, on the redirect to the CDN) or
// its ETag (git blob id of a small file). Headers of other hosts (the CDN's
// own ETag) are not trusted as hashes.
func verifierFromHeaders(resp *http.Response, endpoint string, size int64) *verifier {
	hub, err := url.Parse(endpoint)
	if err != nil {
		return nil
	}
	for r := resp; r != nil && r.Request != nil; r = r.Request.Response {
		if r.Request.URL.Host != hub.Host {
			continue
		}
		for _, h := range []string{"X-Linked-Etag", "ETag"} {
			tag := strings.ToLower(strings.Trim(strings.TrimPrefix(r.Header.Get(h), "W/"), `"`))
			if isHex(tag, 64) {
				return newVerifier(entry{Size: size, SHA256: tag})
			}
			if isHex(tag, 40) {
				return newVerifier(entry{Size: size, OID: tag})
			}
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
