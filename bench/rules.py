"""Posts the rule benchmark's rules to a running server (a staff token)
and times them: until every rule is active, then until the index has
applied every change the rules made. Samples the server's CPU time and
peak RSS. Standard library only.
Usage: rules.py URL TOKEN RULES.jsonl SERVER_PID DATABASE_FILE"""
import json
import sqlite3
import sys
import time
import urllib.request

url, token, rules_file, pid, db = sys.argv[1:6]
DOCKET = "ai-exports-rfi"


def call(method, path, body=None):
    req = urllib.request.Request(
        url + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as res:
        return json.loads(res.read() or b"null")


def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0


def threads_cpu():
    """CPU seconds by thread name (live threads only: tantivy's indexing
    threads come and go)."""
    import glob
    out = {}
    for t in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(f"{t}/comm") as f:
                name = f.read().strip()
            with open(f"{t}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0) + (int(fields[11]) + int(fields[12])) / 100.0
    return out


def peak_rss_mb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024


def feed_head():
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT max(seq) FROM change_feed").fetchone()[0] or 0


deadline = time.time() + 1800
while True:
    try:
        status = call("GET", "/api/v1/admin/index")
        if status["state"] == "following" and status["applied_seq"] >= feed_head():
            break
    except Exception:
        pass
    if time.time() > deadline:
        sys.exit("the server's index never caught up")
    time.sleep(1)
print(f"server up, {status['documents']} comments searchable")

rules = [json.loads(line) for line in open(rules_file)]
cpu0, t0 = cpu_seconds(), time.time()
for r in rules:
    call("POST", f"/api/v1/dockets/{DOCKET}/rules", r)
print(f"posted {len(rules)} rules in {time.time() - t0:.1f} s")

# Polled from the database, read-only: the API's list counts every
# rule's tags, which at millions of tags costs a core while polled.
def statuses():
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [s for (s,) in conn.execute("SELECT status FROM tag_rules")]


while not all(s == "active" for s in statuses()):
    time.sleep(0.5)
applied = time.time() - t0
listed = call("GET", f"/api/v1/dockets/{DOCKET}/rules")["rules"]
tagged = sum(r["tagged"] for r in listed)
counts = sorted(r["tagged"] for r in listed)
print(f"all {len(listed)} rules active after {applied:.1f} s: {tagged} rule tags "
      f"({tagged / applied:.0f} tags/s; per rule min {counts[0]}, median {counts[len(counts) // 2]}, "
      f"max {counts[-1]}); server CPU {cpu_seconds() - cpu0:.1f} s")
busiest = sorted(threads_cpu().items(), key=lambda kv: -kv[1])[:6]
print("  CPU by live thread since start: " + ", ".join(f"{n} {s:.1f} s" for n, s in busiest))

head = feed_head()
while call("GET", "/api/v1/admin/index")["applied_seq"] < head:
    time.sleep(0.5)
done = time.time() - t0
print(f"index applied every change of the rules after {done:.1f} s; "
      f"server CPU {cpu_seconds() - cpu0:.1f} s; peak RSS {peak_rss_mb():.0f} MB")
