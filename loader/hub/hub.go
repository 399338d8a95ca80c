// Package hub downloads models from the Hugging Face hub into a local cache:
// one GGUF file (named, or chosen by a quantization tag such as Q4_K_M) or
// the files of an HF model directory (config, tokenizer, safetensors).
//
// Downloads go to a .part file first and resume from it with an HTTP Range
// request. A file is moved into place only once it has been checked: large
// (LFS) files against the sha256 the hub lists for them, small files against
// their git blob id, which is also their ETag. A lock file keeps two pulls of
// the same file, from goroutines or processes, from writing it at once.
//
// Cache layout, under $NARA_HOME/hub (default ~/.cache/nara/hub on Linux,
// the user cache directory elsewhere):
//
//	ORG/NAME/refs/REV                  commit of REV at the last complete pull (REV path-escaped)
//	ORG/NAME/manifests/COMMIT.json     the repo's file list at COMMIT
//	ORG/NAME/snapshots/COMMIT/PATH     verified files, laid out as in the repo
//	ORG/NAME/partial/COMMIT/PATH.part  bytes received so far
//	ORG/NAME/partial/COMMIT/PATH.lock  held while a process downloads PATH
//
// A snapshot is a plain HF model directory that the loader opens as is. A
// file that did not change between two commits is hard-linked from the older
// snapshot rather than downloaded again.
//
// Environment: HF_ENDPOINT (hub base URL), HF_TOKEN (bearer token),
// HF_HUB_OFFLINE=1 (cache only), NARA_HOME (cache root).
package hub

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DefaultEndpoint is the hub's address when neither Options.Endpoint nor
// $HF_ENDPOINT is set.
const DefaultEndpoint = "https://huggingface.co"

// Options says where and how to download. The zero value uses the
// environment and the defaults.
type Options struct {
	Endpoint string       // hub base URL; default $HF_ENDPOINT, else DefaultEndpoint
	Token    string       // bearer token; default $HF_TOKEN
	Revision string       // branch, tag or commit; default "main"
	CacheDir string       // default DefaultCacheDir()
	Offline  bool         // never touch the network; also set by HF_HUB_OFFLINE=1
	Client   *http.Client // default http.DefaultClient

	// Progress, when set, is called by Resolve as bytes arrive; Pull takes
	// its own. done counts bytes already on disk from earlier attempts.
	Progress func(done, total int64)
	// Logf, when set, receives one-line notes: which files are fetched,
	// resumed, reused or waited for.
	Logf func(format string, args ...any)
}

// Errors that callers may test with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
	ErrChecksum     = errors.New("checksum mismatch")
	ErrOffline      = errors.New("not in the cache and offline")
)

// withDefaults fills the options from the environment.
func (o Options) withDefaults() (Options, error) {
	if o.Endpoint == "" {
		o.Endpoint = os.Getenv("HF_ENDPOINT")
	}
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint
	}
	o.Endpoint = strings.TrimRight(o.Endpoint, "/")
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("hub: endpoint %q is not an http(s) URL", o.Endpoint)
	}
	if o.Token == "" {
		o.Token = strings.TrimSpace(os.Getenv("HF_TOKEN"))
	}
	if o.Revision == "" {
		o.Revision = "main"
	}
	if !validRevision(o.Revision) {
		return o, fmt.Errorf("hub: bad revision %q", o.Revision)
	}
	if v := os.Getenv("HF_HUB_OFFLINE"); v == "1" || strings.EqualFold(v, "true") {
		o.Offline = true
	}
	if o.CacheDir == "" {
		o.CacheDir, err = DefaultCacheDir()
		if err != nil {
			return o, err
		}
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o, nil
}

// DefaultCacheDir is $NARA_HOME/hub, else nara/hub in the user cache
// directory (~/.cache/nara/hub on Linux).
func DefaultCacheDir() (string, error) {
	if home := os.Getenv("NARA_HOME"); home != "" {
		return filepath.Join(home, "hub"), nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("hub: no cache directory: set NARA_HOME (%v)", err)
	}
	return filepath.Join(dir, "nara", "hub"), nil
}

// Resolve returns the local path of a model reference (see ParseRef): the
// GGUF file, or the directory for an HF model. A reference already complete
// in the cache is served from there without asking the hub; otherwise it is
// downloaded (with Options.Progress) as Pull does.
func Resolve(ctx context.Context, ref string, opts Options) (string, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return "", err
	}
	opts, err = opts.withDefaults()
	if err != nil {
		return "", err
	}
	c := newCache(opts.CacheDir, r.Repo)
	if p, ok := c.lookup(opts.Revision, r.File); ok {
		return p, nil
	}
	if opts.Offline {
		return "", fmt.Errorf("hub %s: %w (cache %s)", ref, ErrOffline, c.dir)
	}
	return pull(ctx, r, opts, opts.Progress)
}

// Pull downloads repo's file into the cache, or updates it when the
// revision has moved, and returns its local path. file is one of:
//   - a path in the repo ("model-Q4_K_M.gguf"); for the first shard of a
//     split GGUF ("…-00001-of-00003.gguf") every shard is fetched;
//   - a quantization tag ("Q4_K_M", any case): the GGUF whose name holds it;
//   - "": the repo's Q4_K_M GGUF, or its only GGUF, or, when the repo has no
//     GGUF, its HF model directory (config.json, generation_config.json,
//     tokenizer files, chat template, safetensors and their index), whose
//     path is returned.
//
// progress, when not nil, is called as bytes arrive, with the totals of all
// the files pulled. A cancelled ctx stops at once and keeps the .part file,
// so the next pull resumes.
func Pull(ctx context.Context, repo, file string, opts Options, progress func(done, total int64)) (string, error) {
	r := Ref{Repo: repo, File: file}
	if err := r.validate(); err != nil {
		return "", fmt.Errorf("hub: %w", err)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return "", err
	}
	if opts.Offline {
		if p, ok := newCache(opts.CacheDir, repo).lookup(opts.Revision, file); ok {
			return p, nil
		}
		return "", fmt.Errorf("hub %s: %w", r, ErrOffline)
	}
	return pull(ctx, r, opts, progress)
}

func pull(ctx context.Context, r Ref, opts Options, progress func(done, total int64)) (string, error) {
	api := &client{opts: opts}
	c := newCache(opts.CacheDir, r.Repo)
	commit, err := api.commit(ctx, r.Repo, opts.Revision)
	if err != nil {
		return "", err
	}
	files, err := api.tree(ctx, r.Repo, commit)
	if err != nil {
		return "", err
	}
	if err := c.writeManifest(r.Repo, commit, files); err != nil {
		return "", err
	}
	p, err := choose(files, r.File)
	if err != nil {
		return "", fmt.Errorf("hub %s at %s: %w", r.Repo, short(commit), err)
	}
	d := &downloader{api: api, cache: c, repo: r.Repo, commit: commit}
	if p.index != nil {
		// The index names the shards, so it comes first, without progress
		// (it is a few kilobytes); the totals below count it as done.
		if err := d.fetch(ctx, *p.index, nil); err != nil {
			return "", err
		}
		if p, err = p.withShards(files, c.readFile(commit)); err != nil {
			return "", fmt.Errorf("hub %s at %s: %w", r.Repo, short(commit), err)
		}
	}
	prog := &meter{fn: progress}
	for _, e := range p.files {
		prog.total += e.Size
	}
	for _, e := range p.files {
		if err := d.fetch(ctx, e, prog); err != nil {
			return "", err
		}
	}
	// Only now does the revision point to the new commit in the cache: until
	// the pull succeeds, lookups keep finding the last complete one.
	if !isCommit(opts.Revision) {
		if err := c.writeRef(opts.Revision, commit); err != nil {
			return "", err
		}
	}
	return filepath.Join(c.snapshot(commit), filepath.FromSlash(p.path)), nil
}

// meter adds up the bytes of several files for one progress callback.
type meter struct {
	done, total int64
	fn          func(done, total int64)
}

func (m *meter) report(n int64) {
	if m == nil {
		return
	}
	m.done += n
	if m.fn != nil {
		m.fn(m.done, m.total)
	}
}

// short abbreviates a commit id for messages.
func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
