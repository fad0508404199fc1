#!/usr/bin/env python3
"""PDF text extraction, side by side with poppler's pdftotext.

Runs `rfidesk extract-text --kind pdf` and `pdftotext` over every PDF under
the given directories (PDFs that no one here wrote: for example those that
Debian's documentation packages install), and over two damaged copies of
each, as found in the wild: one whose `startxref` offset points nowhere,
and one whose last cross-reference section (table and trailer, or xref
stream) is cut off. Reports, for
each reader and set, the share of files with text and the word overlap with
pdftotext (the share of pdftotext's distinct words that the extractor also
found).

    bench/pdf_compare.py RFIDESK_BINARY DIR [DIR ...]

Needs poppler-utils (`apt-get install poppler-utils`).
"""

import os
import re
import resource
import subprocess
import sys
import tempfile

WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)
# A file "has text" when a reader finds at least this many words in it.
MIN_WORDS = 20
TIMEOUT = 60


def limits():
    # The server's limits for the extractor child.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT, TIMEOUT))


def run(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, preexec_fn=limits)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "replace")


def words(text):
    return set(w.lower() for w in WORD.findall(text or ""))


def damage(data):
    """The same file with its startxref offset pointing nowhere."""
    at = data.rfind(b"startxref")
    if at < 0:
        return None
    end = at + len(b"startxref")
    m = re.match(rb"\s*(\d+)", data[end:])
    if not m:
        return None
    bogus = b"9" * len(m.group(1))
    return data[:end] + data[end:end + m.start(1)] + bogus + data[end + m.end(1):]


def truncate_xref(data):
    """The same file with its last cross-reference section (a classic
    table with its trailer, or an /XRef stream object) cut off."""
    classic = [m.start() for m in re.finditer(rb"(?:^|[\r\n])xref[\r\n ]", data)]
    streams = [m.start() for m in re.finditer(rb"(?:^|[\r\n])\d+\s+\d+\s+obj\s*<<[^>]*?/Type\s*/XRef", data)]
    cuts = classic + streams
    if not cuts:
        return None
    return data[:max(cuts) + 1]


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    rfidesk, dirs = sys.argv[1], sys.argv[2:]
    files = sorted(
        os.path.join(root, f)
        for d in dirs
        for root, _, names in os.walk(d)
        for f in names
        if f.lower().endswith(".pdf")
    )
    stats = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(files):
            with open(path, "rb") as fh:
                data = fh.read()
            variants = [("original", path)]
            for label, broken in [("wrong startxref", damage(data)), ("missing xref", truncate_xref(data))]:
                if broken is None:
                    continue
                bpath = os.path.join(tmp, label.replace(" ", "-") + ".pdf")
                with open(bpath, "wb") as fh:
                    fh.write(broken)
                variants.append((label, bpath))
            for label, p in variants:
                ours = run([rfidesk, "extract-text", "--kind", "pdf", p])
                poppler = run(["pdftotext", "-q", "-enc", "UTF-8", p, "-"])
                s = stats.setdefault(label, {"files": 0, "ours": 0, "poppler": 0, "overlap": [], "failed": []})
                s["files"] += 1
                ow, pw = words(ours), words(poppler)
                if len(ow) >= MIN_WORDS:
                    s["ours"] += 1
                elif len(pw) >= MIN_WORDS:
                    s["failed"].append(os.path.relpath(path))
                if len(pw) >= MIN_WORDS:
                    s["poppler"] += 1
                    s["overlap"].append(len(ow & pw) / len(pw))
            print(f"{i + 1}/{len(files)} {path}", file=sys.stderr)
    print("| set | files | with text: rfidesk | with text: pdftotext | word overlap with pdftotext (mean) |")
    print("|---|---|---|---|---|")
    for label, s in stats.items():
        n = s["files"]
        overlap = sum(s["overlap"]) / len(s["overlap"]) if s["overlap"] else 0.0
        print(
            f"| {label} | {n} | {s['ours']} ({100 * s['ours'] / n:.1f} %) "
            f"| {s['poppler']} ({100 * s['poppler'] / n:.1f} %) | {100 * overlap:.1f} % |"
        )
    for label, s in stats.items():
        if s["failed"]:
            print(f"\n{label}: no text from rfidesk where pdftotext found some ({len(s['failed'])}):")
            for f in s["failed"][:20]:
                print(f"- {f}")


if __name__ == "__main__":
    main()
