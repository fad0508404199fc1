#!/usr/bin/env python3
"""Writes a regulations.gov-style bulk-download CSV of N comments, for the
import benchmark (docs/BENCHMARKS.md): the published column set, a header
row, comments of 100-2,000 characters (some spanning lines, some quoted),
one in ten with attachment addresses, one in fifty withdrawn, categories
and countries as the export writes them. Deterministic for a given seed.

    python3 bench/regulations_gov_csv.py --rows 1000000 --out /var/tmp/regs.csv
"""
import argparse
import csv
import random
import string

HEADER = [
    "Document ID", "Agency ID", "Docket ID", "Tracking Number", "Document Type",
    "Posted Date", "Is Withdrawn?", "Federal Register Number", "Title",
    "Comment Start Date", "Comment Due Date", "Received Date", "First Name",
    "Last Name", "City", "State/Province", "Zip/Postal Code", "Country",
    "Organization Name", "Government Agency", "Government Agency Type", "Comment",
    "Category", "Restrict Reason Type", "Restrict Reason", "Reason Withdrawn",
    "Content Files", "Attachment Files", "Duplicate Comments",
]
CATEGORIES = [
    "Individual", "AI model or application developer",
    "Compute, cloud or data-centre provider", "Trade association or industry consortium",
    "University or research institution", "Foreign Government", "Other", "",
]
COUNTRIES = ["United States", "United States", "United States", "Japan", "Malaysia",
             "Germany", "India", "Brazil", "Kenya", "United Kingdom", "", "USA", "MYS"]
WORDS = ("export program full stack package compute chips cloud models data centres "
         "standards ISO IEC financing EXIM DFC allies partners Malaysia Vietnam Kenya "
         "Brazil India semiconductors energy grid minerals gallium germanium training "
         "engineers privacy security trust labor workers universities research credits "
         "sovereign infrastructure regulation interoperability open weights safety").split()
FIRST = ["Maria", "Lee", "Sam", "Ana", "Omar", "Grace", "Kim", "Ravi", "Chen", "Fatima"]
LAST = ["Rivera", "Chen", "Okafor", "Soto", "Haddad", "Hopper", "Park", "Iyer", "Wu", "Bello"]
ORGS = ["Northwind Compute", "Pacific AI Trade Council", "Brightline Minerals",
        "Universidad de Chile", "Ministry of Digital Economy", "Open Models Alliance"]
ALPHABET = string.ascii_lowercase + string.digits


def tracking(rng):
    s = "".join(rng.choice(ALPHABET) for _ in range(11))
    return f"{s[:3]}-{s[3:7]}-{s[7:]}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=12)
    a = p.parse_args()
    rng = random.Random(a.seed)
    seen = set()
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(a.rows):
            tn = tracking(rng)
            while tn in seen:
                tn = tracking(rng)
            seen.add(tn)
            n = rng.randint(15, 300)
            text = " ".join(rng.choice(WORDS) for _ in range(n))
            if rng.random() < 0.1:
                text = text.replace(" training ", ' "training"\n\n', 1)
            org = rng.choice(ORGS) if rng.random() < 0.4 else ""
            first, last = ("", "") if org and rng.random() < 0.5 else (rng.choice(FIRST), rng.choice(LAST))
            day = 1 + i * 28 // a.rows
            received = f"2025-11-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}Z"
            files = ""
            if rng.random() < 0.1:
                files = ",".join(
                    f"https://downloads.regulations.gov/ITA-2025-0009-{i + 2:07d}/attachment_{k}.pdf"
                    for k in range(1, rng.randint(2, 4)))
            withdrawn = "true" if rng.random() < 0.02 else "false"
            dup = str(rng.randint(2, 5000)) if rng.random() < 0.01 else ""
            w.writerow([
                f"ITA-2025-0009-{i + 2:07d}", "ITA", "ITA-2025-0009", tn, "Public Submission",
                "2025-12-01T05:00Z", withdrawn, "2025-19876", f"Comment from {first or org}",
                "2025-10-29T04:00Z", "2025-11-29T04:59Z", received, first, last, "", "", "",
                rng.choice(COUNTRIES), org, "", "", text, rng.choice(CATEGORIES), "", "", "",
                "", files, dup,
            ])


if __name__ == "__main__":
    main()
