#!/usr/bin/env python3
"""The peer for campaign detection: datasketch's MinHashLSH (PyPI) on the
corpus that examples/campaigns_eval writes (--corpus-out), with the same
words, shingles, threshold and number of hash functions as RFI Desk, and
the same pairwise precision, recall and F1.

    python3 bench/campaigns_datasketch.py CORPUS.jsonl [--threshold 0.45] [--num-perm 120] [--verify]

datasketch is used as its documentation shows: one MinHash per document
(update_batch, numpy-vectorised), inserted into a MinHashLSH and queried;
comments that come back from a query are joined (union-find). It has no
boilerplate discount of its own; with --verify each candidate is also
checked with the exact Jaccard similarity of the shingle sets, as RFI Desk
does (its time included).
"""
import argparse
import json
import re
import resource
import time
from collections import Counter

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, k=3):
    words = [w.lower() for w in WORD.findall(text) if w != "_"]
    if not words:
        return []
    if len(words) < k:
        return [" ".join(words).encode()]
    return list({" ".join(words[i:i + k]).encode() for i in range(len(words) - k + 1)})


def find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def score(truth, predicted):
    pairs = lambda n: n * (n - 1) // 2
    both = Counter((a, b) for a, b in zip(truth, predicted) if a is not None and b is not None)
    t = Counter(a for a in truth if a is not None)
    p = Counter(b for b in predicted if b is not None)
    tp = sum(pairs(n) for n in both.values())
    tp_fp = sum(pairs(n) for n in p.values())
    tp_fn = sum(pairs(n) for n in t.values())
    precision = tp / tp_fp if tp_fp else 1.0
    recall = tp / tp_fn if tp_fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--threshold", type=float, default=0.45)
    ap.add_argument("--num-perm", type=int, default=120)
    ap.add_argument("--verify", action="store_true")
    a = ap.parse_args()
    texts, truth = [], []
    with open(a.corpus) as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            truth.append(row["campaign"])
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=a.threshold, num_perm=a.num_perm)
    parent = list(range(len(texts)))
    sets = {}
    for i, text in enumerate(texts):
        s = shingles(text)
        if not s:
            continue
        m = MinHash(num_perm=a.num_perm)
        m.update_batch(s)
        if a.verify:
            sets[i] = set(s)
        for j in lsh.query(m):
            if a.verify:
                common = len(sets[i] & sets[j])
                if common < a.threshold * (len(sets[i]) + len(sets[j]) - common):
                    continue
            ri, rj = find(parent, i), find(parent, j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
        lsh.insert(i, m)
    elapsed = time.perf_counter() - start
    roots = [find(parent, i) for i in range(len(texts))]
    sizes = Counter(roots)
    predicted = [r if sizes[r] >= 2 else None for r in roots]
    p, r, f1 = score(truth, predicted)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    check = " with a Jaccard check" if a.verify else ""
    print(f"datasketch MinHashLSH{check}: {len(texts)} comments, threshold {a.threshold}, "
          f"{a.num_perm} permutations: {elapsed:.2f} s; peak RSS {rss} MiB")
    print(f"found {sum(1 for n in sizes.values() if n >= 2)} campaigns; pairwise precision "
          f"{p:.4f} recall {r:.4f} F1 {f1:.4f}")


if __name__ == "__main__":
    main()
