#!/usr/bin/env python3
"""Rewrite a package's manifest and report with strings that hold terminal controls.

hostile_pkg.py IN OUT RELEASE: the package IN (as eucc-server made it) becomes OUT, whose
name, program, map and parameter strings, a kernel's distro, and the finding reported for
RELEASE hold ESC, BEL, CR, other C0 controls, DEL and C1 controls (raw, and as UTF-8). The
members keep their digests; "files" lists report.json's new one; the signature is dropped
(format 1).
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile

src, dst, release = sys.argv[1:4]
members = {}
with tarfile.open(src, "r:gz") as t:
    for m in t.getmembers():
        members[m.name] = t.extractfile(m).read()
manifest = json.loads(members.pop("manifest.json"))
# the manifest changes, so a signature could not hold: the result is an unsigned package
members.pop("signature.json", None)
manifest["format"] = 1
manifest["name"] = "evil\x1b]0;title\x07"
manifest["programs"][0]["name"] = "handle\x1b[31m"
manifest["programs"][0]["section"] = "tp/\rsched\x08"
manifest["maps"][0]["type"] = "ringbuf\x7f\u009b"
manifest["kernels"][0]["distro"] = "debian\u009b1m"
manifest["parameters"][0]["description"] = "lev\x1b]0;pwned\x07el\x01"
report = json.loads(members["report.json"])
for k in report["kernels"]:
    if k["release"] == release:
        k["status"] = "warning"
        k["findings"] = [{"severity": "warning\x1b[0m", "kind": "field", "line": 3,
                          "file": "hostile.bpf.c\r", "message": "gone\x1b[2J\u0085here"}]
members["report.json"] = json.dumps(report).encode()
files = {p: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
         for p, d in sorted(members.items())}
manifest["files"] = files
out = io.BytesIO()
with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for path, data in [("manifest.json", json.dumps(manifest).encode())] + sorted(members.items()):
        info = tarfile.TarInfo(path)
        info.size, info.mode, info.uname, info.gname = len(data), 0o644, "root", "root"
        t.addfile(info, io.BytesIO(data))
with open(dst, "wb") as f:
    f.write(gzip.compress(out.getvalue(), mtime=0))
