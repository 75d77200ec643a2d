#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# tests/integration/http_get.py METHOD URL [PAD] - one HTTP request (the metrics tests'
# client; no curl needed): prints the status code on the first line, then the body. PAD > 0
# adds a header of that many bytes (an oversized request). A connection the server closes
# or resets without an answer prints 000. Exits 0 once an answer (any status) was read.
import http.client
import sys
import urllib.parse

method, url = sys.argv[1], sys.argv[2]
pad = int(sys.argv[3]) if len(sys.argv) > 3 else 0
u = urllib.parse.urlsplit(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
headers = {"X-Pad": "a" * pad} if pad else {}
try:
    conn.request(method, u.path + ("?" + u.query if u.query else ""), headers=headers)
    r = conn.getresponse()
    body = r.read()
except (ConnectionError, http.client.HTTPException, OSError) as e:
    print("000")
    print(e, file=sys.stderr)
    sys.exit(1)
print(r.status)
sys.stdout.write(body.decode("utf-8", "replace"))
