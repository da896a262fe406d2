#!/usr/bin/env bash
# One build in the formats other tools run (docs/formats.md), each checked the way its own tool
# reads it: skopeo reads and copies the two OCI image layouts (every blob against its digest);
# python follows Inspektor Gadget's, bpfman's and libbpf-tools' reading rules; the program loads
# here with the exported libbpf-tools BTF as btf_custom_path and this host's BTF hidden; an
# eunomia-bpf package.json (written here by its documented rules) is inspected and run for real.
. "$(dirname "$0")/server_lib.sh"
PATH="$EUCC_BIN/../client:$PATH"
DATA="$EUCC_SOURCE_DIR/tests/data"
cd "$TMP"
eucc-server btf import "$EUCC_FIXTURES/btf/debian/11" "$EUCC_FIXTURES/btf/debian/12/arm64" >/dev/null ||
	{ echo "FAIL: import 5.10 and arm64 6.1"; exit 1; }
eucc-server btf import /sys/kernel/btf/vmlinux --release "$(uname -r)" >/dev/null ||
	{ echo "FAIL: import local kernel"; exit 1; }
start_server --workers 1
export EUCC_SERVER=$URL
LOCAL=$(uname -r)
run 0 eucc-remote -q compile "$DATA/events/unannotated.bpf.c" --kernel local --kernel debian/11 -o p.eucc
run 0 eucc-remote -q compile "$DATA/events/unannotated.bpf.c" --arch arm64 --kernel debian/12 -o arm.eucc
tar xzf p.eucc unannotated.bpf.o

# ---- Inspektor Gadget -------------------------------------------------------------------
run 0 eucc-remote export p.eucc arm.eucc --format ig -o ig --tag ghcr.io/team/unannotated:v1
expect "ig: wrote" "$OUT" "^wrote ig \(OCI image layout, tag ghcr.io/team/unannotated:v1\)"
run 0 skopeo inspect --raw oci:ig:ghcr.io/team/unannotated:v1
expect_eq "ig: skopeo reads an image index" "$(jq -r .mediaType <<<"$OUT")" application/vnd.oci.image.index.v1+json
run 0 skopeo copy --quiet oci:ig:ghcr.io/team/unannotated:v1 "dir:$TMP/ig-copy"
run 0 skopeo copy --quiet --override-arch arm64 oci:ig:ghcr.io/team/unannotated:v1 "dir:$TMP/ig-arm64"
run 0 python3 - ig unannotated.bpf.o "$LOCAL" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
root, obj, local = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
def blob(d):
    data = open(os.path.join(root, "blobs", *d["digest"].split(":")), "rb").read()
    assert len(data) == d["size"] and "sha256:" + hashlib.sha256(data).hexdigest() == d["digest"]
    return data
assert json.load(open(os.path.join(root, "oci-layout"))) == {"imageLayoutVersion": "1.0.0"}
top = json.load(open(os.path.join(root, "index.json")))["manifests"][0]
index = json.loads(blob(top))
assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
amd, arm = index["manifests"]
assert amd["platform"] == {"architecture": "amd64", "os": "linux"}, amd
assert arm["platform"] == {"architecture": "arm64", "os": "linux"}, arm
arm_layers = {l["mediaType"]: l for l in json.loads(blob(arm))["layers"]}
arm_tar = tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob(arm_layers["application/vnd.gadget.btfgen.v1+binary"]))))
assert arm_tar.getnames() == ["debian/12/aarch64/6.1.0-47-cloud-arm64.btf"], arm_tar.getnames()
man = json.loads(blob(amd))
assert man["artifactType"] == "application/vnd.gadget.v1+binary"
blob(man["config"])
layers = {l["mediaType"]: l for l in man["layers"]}
assert len(layers) == len(man["layers"]), "each media type once"
assert blob(layers["application/vnd.gadget.ebpf.program.v1+binary"]) == obj
# the btfgen operator: gunzip, then the entry named ID/VERSION_ID/<uname -m>/<uname -r>.btf
tar = tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob(layers["application/vnd.gadget.btfgen.v1+binary"]))))
names = tar.getnames()
assert "debian/11/x86_64/5.10.0-32-cloud-amd64.btf" in names, names
assert "unknown/unknown/x86_64/%s.btf" % local in names, names
assert tar.extractfile("debian/11/x86_64/5.10.0-32-cloud-amd64.btf").read()[:2] == b"\x9f\xeb"
print("ig ok")
PY
expect_eq "ig: the layout as Inspektor Gadget reads it" "$OUT" "ig ok"
run 3 eucc-remote export p.eucc --format ig -o ig
expect "ig: a used dir is refused" "$ERR" "ig exists: an image layout is written to a new or empty dir"

# ---- bpfman -----------------------------------------------------------------------------
run 0 eucc-remote export p.eucc --format bpfman -o bpfman
run 0 skopeo inspect oci:bpfman:unannotated:latest
expect_eq "bpfman: skopeo reads the labels" "$(jq -r '.Labels["io.ebpf.programs"]' <<<"$OUT")" '{"handle_exec":"tracepoint"}'
run 0 skopeo copy --quiet oci:bpfman:unannotated:latest "dir:$TMP/bpfman-copy"
run 0 python3 - bpfman unannotated.bpf.o <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
root, obj = sys.argv[1], open(sys.argv[2], "rb").read()
def blob(d):
    data = open(os.path.join(root, "blobs", *d["digest"].split(":")), "rb").read()
    assert len(data) == d["size"] and "sha256:" + hashlib.sha256(data).hexdigest() == d["digest"]
    return data
man = json.loads(blob(json.load(open(os.path.join(root, "index.json")))["manifests"][0]))
cfg = json.loads(blob(man["config"]))
labels = cfg["config"]["Labels"]
assert json.loads(labels["io.ebpf.programs"]) == {"handle_exec": "tracepoint"}, labels
assert json.loads(labels["io.ebpf.maps"]) == {"rb": "ringbuf", "pb": "perf_event_array"}, labels
layer = man["layers"][0]
assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
raw = gzip.decompress(blob(layer))
assert cfg["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(raw).hexdigest()]
first = tarfile.open(fileobj=io.BytesIO(raw)).getmembers()[0]  # bpfman takes the first entry
code = tarfile.open(fileobj=io.BytesIO(raw)).extractfile(first).read()
assert code == obj and code[5] == 1, "the object, little-endian like this host"
print("bpfman ok")
PY
expect_eq "bpfman: the image as bpfman reads it" "$OUT" "bpfman ok"
run 0 eucc-remote export p.eucc arm.eucc --format bpfman -o bpfman2
run 0 skopeo inspect --raw oci:bpfman2:unannotated:latest
expect_eq "bpfman: two arches, an image index" "$(jq -r '[.mediaType] + [.manifests[].platform.architecture] | join(" ")' <<<"$OUT")" \
	"application/vnd.oci.image.index.v1+json amd64 arm64"
run 0 skopeo inspect --override-arch arm64 oci:bpfman2:unannotated:latest
expect_eq "bpfman: skopeo picks the arm64 image" "$(jq -r .Architecture <<<"$OUT")" arm64

# ---- libbpf-tools: min_core_btfs.tar.gz, and the program loads with it -----------------------
run 0 eucc-remote export p.eucc --format libbpf-tools -o min_core_btfs.tar.gz --json
expect_eq "libbpf-tools: two kernels" "$(jq .kernels <<<"$OUT")" 2
# btf_helpers.c's lookup: headers walked, the name field compared to ./ID/VERSION_ID/ARCH/RELEASE.btf
run 0 python3 - min_core_btfs.tar.gz "./unknown/unknown/$(uname -m)/$LOCAL.btf" local.btf <<'PY'
import gzip, sys
tar, want, out = gzip.decompress(open(sys.argv[1], "rb").read()), sys.argv[2], sys.argv[3]
off = 0
while tar[off]:
    name = tar[off:off + 100].split(b"\0")[0].decode()
    size = int(tar[off + 124:off + 136].split(b"\0")[0] or b"0", 8)
    if name == want:
        open(out, "wb").write(tar[off + 512:off + 512 + size])
        print("found", size)
        break
    off += 512 + (size + 511) // 512 * 512
else:
    sys.exit("not found: " + want)
PY
expect "libbpf-tools: this kernel's BTF found as libbpf-tools looks it up" "$OUT" "^found [0-9]+$"
mount -t tmpfs none /sys/kernel/btf || { echo "FAIL: cannot hide /sys/kernel/btf"; exit 1; }
run 0 eucc-remote run p.eucc --btf "$TMP/local.btf" --dry-run
expect "libbpf-tools: the exported BTF is the one used" "$OUT" "would load with BTF $TMP/local.btf"
run 0 eucc-remote run p.eucc --btf "$TMP/local.btf" --duration 1 # loads and attaches with it
umount /sys/kernel/btf

# ---- eunomia-bpf package.json: inspect and run it -----------------------------------------
python3 - unannotated.bpf.o package.json <<'PY'
import base64, json, sys, zlib
obj = open(sys.argv[1], "rb").read()
json.dump({"bpf_object": base64.b64encode(zlib.compress(obj)).decode(), "bpf_object_size": len(obj),
           "meta": {"export_types": [{"name": "exec_rec", "size": 20, "type_id": 1, "members": []}],
                    "bpf_skel": {"obj_name": "unannotated", "maps": [], "progs": [], "data_sections": []},
                    "eunomia_version": "1.0.0"}}, open(sys.argv[2], "w"))
PY
run 0 eucc-remote inspect package.json
expect "eunomia: imported" "$OUT" "^imported: +eunomia-bpf package.json \(sha256:$(sha256sum package.json | cut -d' ' -f1)\)"
expect "eunomia: its program" "$OUT" "handle_exec +tracepoint/sched/sched_process_exec"
run 0 eucc-remote inspect package.json --json
expect_eq "eunomia: the export type is the ring buffer's record" "$(jq -c '.events' <<<"$OUT")" '[{"map":"rb","type":"struct exec_rec","size":20,"found":"export_types"}]'
( for _ in $(seq 30); do /bin/true; sleep 0.1; done ) &
EXECS=$!
run 0 eucc-remote run package.json --duration 2
expect "eunomia: runs, events decoded through its export type" "$OUT" "rb: pid=[0-9]+ comm=true"
wait "$EXECS"
python3 - package.json bad.json <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["bpf_object_size"] += 1
json.dump(p, open(sys.argv[2], "w"))
PY
run 2 eucc-remote inspect bad.json
expect "eunomia: a wrong size refused" "$ERR" "bad.json: not an eunomia-bpf package: \"bpf_object\" does not inflate \(zlib\) to \"bpf_object_size\" bytes"
eucc-server key export >trust.pem
run 2 eucc-remote --trust trust.pem run package.json --duration 1
expect "eunomia: unsigned, refused with keys pinned" "$ERR" "the package is not signed"
finish
