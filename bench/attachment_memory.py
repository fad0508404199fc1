#!/usr/bin/env python3
"""Peak memory of a server indexing comments full of attachment text.

Starts `rfidesk serve` on a fresh SQLite data directory, then submits N
comments, each with 20 copies of its own DOCX whose text inflates to the
extractor's 4 MiB cap (a few KiB on the wire). Waits until every file's
text is extracted and every comment is indexed with it, then reports the
server's peak resident memory (VmHWM) and the time taken.

Without the bounds (text per comment, batches by bytes) the follower would
load up to 1,000 comments x 20 copies x 4 MiB at once.

    bench/attachment_memory.py RFIDESK_BINARY [N]
"""

import io
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT_BYTES = 4 << 20
COPIES = 20


def docx(n):
    rng = random.Random(n)
    vocab = [f"w{rng.randrange(50_000)}" for _ in range(5_000)]
    words, size = [], 0
    while size < TEXT_BYTES:
        w = rng.choice(vocab)
        words.append(w)
        size += len(w) + 1
    words.append(f"lastword{n}x")
    text = " ".join(words)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>',
        )
    return buf.getvalue()


def multipart(comment, files):
    boundary = "rfideskbenchboundary"
    out = io.BytesIO()
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\n'.encode())
    out.write(json.dumps(comment).encode() + b"\r\n")
    for i, data in enumerate(files):
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="copy-{i}.docx"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def get(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Sampler:
    """The most anonymous (heap) and file-backed (mapped index files,
    reclaimable by the kernel) resident memory seen, sampled as it runs."""

    def __init__(self, pid):
        self.pid, self.anon, self.file = pid, 0, 0

    def sample(self):
        self.anon = max(self.anon, status_kib(self.pid, "RssAnon"))
        self.file = max(self.file, status_kib(self.pid, "RssFile"))


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, RFIDESK_DATA_DIR=data, RFIDESK_RATE_LIMIT="0",
                   RFIDESK_BIND=f"127.0.0.1:{port}", RUST_LOG="warn",
                   RFIDESK_DOCKETS=os.path.join(ROOT, "fixtures/dockets"))
        env.pop("DATABASE_URL", None)
        subprocess.run([binary, "docket", "load", os.path.join(ROOT, "fixtures/dockets/ai-exports-rfi.toml")], env=env, check=True, capture_output=True)
        subprocess.run([binary, "docket", "extend", "ai-exports-rfi", "--until", "2100-01-01"], env=env, check=True, capture_output=True)
        token = subprocess.run([binary, "user", "add", "sam", "--role", "staff"], env=env, check=True, capture_output=True).stdout.decode().strip().splitlines()[-1]
        server = subprocess.Popen([binary, "serve"], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            started = time.time()
            sent = 0
            sampler = Sampler(server.pid)
            for i in range(n):
                sampler.sample()
                body, ctype = multipart(
                    {"submitter": {"type": "anonymous", "category": "other", "country": "US"},
                     "comment": f"benchmark comment {i}"},
                    [docx(i)] * COPIES,
                )
                sent += len(body)
                req = urllib.request.Request(f"{base}/api/v1/dockets/ai-exports-rfi/comments", data=body,
                                             headers={"Content-Type": ctype}, method="POST")
                with urllib.request.urlopen(req, timeout=60) as r:
                    assert r.status == 201, r.status
            submitted = time.time() - started
            while True:
                jobs = get(f"{base}/api/v1/admin/jobs", token)
                done = jobs["counts"].get("extract_text", {}).get("done", 0)
                sampler.sample()
                if done == n:
                    break
                time.sleep(0.5)
            extracted = time.time() - started
            while True:
                hits = get(f"{base}/api/v1/search?q=lastword{n - 1}x", token)
                total = get(f"{base}/api/v1/search?q=*&per_page=1", token)["total"]
                sampler.sample()
                if total == n:
                    break
                time.sleep(0.5)
            indexed = time.time() - started
            # Text past each comment's 2 MiB bound is not indexed: the last
            # word of a file is not found.
            print(f"comments: {n}, each with {COPIES} copies of a DOCX of {TEXT_BYTES >> 20} MiB text "
                  f"({sent / n / 1024:.0f} KiB per request)")
            print(f"submitted in {submitted:.1f} s; all text extracted at {extracted:.1f} s; "
                  f"all indexed at {indexed:.1f} s")
            print(f"last word of the last file found: {hits['total']} (text past the bound is not indexed)")
            print(f"server peak RSS (VmHWM): {status_kib(server.pid, 'VmHWM') / 1024:.0f} MiB; "
                  f"largest sampled: heap (RssAnon) {sampler.anon / 1024:.0f} MiB, "
                  f"mapped files (RssFile) {sampler.file / 1024:.0f} MiB")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
