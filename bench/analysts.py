#!/usr/bin/env python3
"""Analysts and staff at work while a burst of submissions arrives: searches
(the API and the search page), tags by hand on comments the searches found,
and CSV exports of the whole docket, each in its own thread, until STOP_FILE
exists. Prints each kind's count, errors and latency percentiles.

Usage: analysts.py BASE_URL TOKEN STOP_FILE. Used by bench/load.sh.
"""
import json, os, random, sys, threading, time, urllib.parse, urllib.request, urllib.error

base, token, stop_file = sys.argv[1:4]
docket = "ai-exports-rfi"
auth = {"Authorization": "Bearer " + token}
stats = {}
lock = threading.Lock()
seen = []


def record(kind, seconds, ok):
    with lock:
        s = stats.setdefault(kind, {"times": [], "errors": 0})
        s["times"].append(seconds)
        if not ok:
            s["errors"] += 1


def call(kind, method, path, body=None, read=True):
    data = json.dumps(body).encode() if body is not None else None
    headers = dict(auth)
    if data:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    start = time.time()
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            payload = b""
            while True:
                chunk = res.read(1 << 16)
                if not chunk:
                    break
                if read:
                    payload += chunk
            record(kind, time.time() - start, True)
            return payload
    except (urllib.error.URLError, OSError):
        record(kind, time.time() - start, False)
        return None


def searcher(pages):
    queries = ["standards", "Malaysia AND financing", "\"critical minerals\"", "compute OR models",
               "security NOT insurance", "*"]
    while not os.path.exists(stop_file):
        q = urllib.parse.quote(random.choice(queries))
        if pages:
            call("search page", "GET", "/analyst/search?q=" + q, read=False)
        else:
            body = call("search API", "GET", "/api/v1/search?per_page=50&q=" + q)
            if body:
                hits = json.loads(body).get("hits", [])
                with lock:
                    seen.extend(h["tracking_number"] for h in hits[:5])
                    del seen[:-500]


def tagger():
    tags = ["region/asean/malaysia", "region/africa", "package/hardware", "barrier"]
    while not os.path.exists(stop_file):
        with lock:
            tn = random.choice(seen) if seen else None
        if tn is None:
            time.sleep(0.1)
            continue
        call("tag by hand", "POST", "/api/v1/comments/%s/tags" % tn, {"tag": random.choice(tags)})


def exporter():
    while not os.path.exists(stop_file):
        call("export comments.csv", "GET", "/api/v1/dockets/%s/export/comments.csv" % docket, read=False)


threads = [threading.Thread(target=searcher, args=(False,)),
           threading.Thread(target=searcher, args=(True,)),
           threading.Thread(target=tagger), threading.Thread(target=tagger),
           threading.Thread(target=exporter)]
# The pages take a bearer token as the API does (http/auth.rs).
for t in threads:
    t.start()
for t in threads:
    t.join()
for kind, s in sorted(stats.items()):
    t = sorted(s["times"])
    if not t:
        continue
    pct = lambda p: t[min(len(t) - 1, int(len(t) * p))] * 1000
    print("== %-20s %6d done, %4d errors, p50 %7.1f ms, p99 %8.1f ms, slowest %8.1f ms"
          % (kind, len(t), s["errors"], pct(0.5), pct(0.99), t[-1] * 1000))
