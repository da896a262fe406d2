# Repack an eucc package as a plain ustar: "unsigned" drops signature.json (format 1), "flip"
# flips one bit of the signature. For tests/e2e/sign.sh.
import io, json, sys, tarfile
src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
members = []
with tarfile.open(src, "r:*") as t:
    for m in t.getmembers():
        members.append((m.name, t.extractfile(m).read()))
out = []
for name, data in members:
    if what == "unsigned":
        if name == "signature.json":
            continue
        if name == "manifest.json":
            m = json.loads(data); m["format"] = 1
            data = json.dumps(m, separators=(",", ":")).encode()
    elif what == "flip" and name == "signature.json":
        s = json.loads(data); raw = bytearray(__import__("base64").b64decode(s["signature"]))
        raw[10] ^= 1; s["signature"] = __import__("base64").b64encode(bytes(raw)).decode()
        data = json.dumps(s, separators=(",", ":")).encode()
    out.append((name, data))
with tarfile.open(dst, "w", format=tarfile.USTAR_FORMAT) as t:
    for name, data in out:
        i = tarfile.TarInfo(name); i.size = len(data); i.mode = 0o644; i.mtime = 0
        i.uname = i.gname = "root"
        t.addfile(i, io.BytesIO(data))
