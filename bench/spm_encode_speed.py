#!/usr/bin/python3
"""Encode throughput of SentencePiece's C++ implementation, for comparison with
nara's tokenizer on the same text and vocabulary.

Usage (Debian's python3-sentencepiece; "" keeps a default):
    /usr/bin/python3 bench/spm_encode_speed.py [MODEL] [TEXT] [RUNS]

Defaults: the fixtures' tokenizers/spm1024.model and text/war-and-peace.txt, 5 runs.
Prints the best MB/s over the runs and the token count, so the Go side can be
checked to produce the same number of ids:
    go test -run XXX -bench EncodeSPM1024 ./tokenizer/
"""
import os
import sys
import time

import sentencepiece as spm

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.environ.get("NARA_FIXTURES", os.path.join(here, "..", "..", "shared", "fixtures"))
model = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.path.join(fixtures, "tokenizers", "spm1024.model")
text_path = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else os.path.join(fixtures, "text", "war-and-peace.txt")
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5

sp = spm.SentencePieceProcessor(model_file=model)
with open(text_path, "rb") as f:
    raw = f.read()
text = raw.decode("utf-8")

best = float("inf")
ids = []
for _ in range(runs):
    t0 = time.perf_counter()
    ids = sp.encode(text)
    best = min(best, time.perf_counter() - t0)

print(f"sentencepiece {spm.__version__} C++: {os.path.basename(model)} on "
      f"{os.path.basename(text_path)} ({len(raw)} bytes): {len(ids)} tokens, "
      f"best of {runs}: {best * 1000:.1f} ms, {len(raw) / best / 1e6:.2f} MB/s")

# SentencePiece is usually fed sentences; time the same text line by line too
# (a different tokenization: every line gets its own dummy prefix).
lines = text.split("\n")
best_lines = float("inf")
n_lines = 0
for _ in range(runs):
    t0 = time.perf_counter()
    n_lines = sum(len(sp.encode(line)) for line in lines)
    best_lines = min(best_lines, time.perf_counter() - t0)
print(f"  line by line ({len(lines)} lines): {n_lines} tokens, "
      f"best of {runs}: {best_lines * 1000:.1f} ms, {len(raw) / best_lines / 1e6:.2f} MB/s")
