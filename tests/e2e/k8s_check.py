#!/usr/bin/python3
"""Checks of deploy/kubernetes.yaml without a cluster (tests/e2e/kubernetes.sh).

  k8s_check.py seccomp UNIT          the seccomp profile of UNIT's SystemCallFilter=, as JSON
  k8s_check.py check DEPLOY_DIR      every check below; "FAIL: ..." lines, exit 1 on a failure
  k8s_check.py args DEPLOY_DIR       the server container's args, one a line
  k8s_check.py replicas DEPLOY_DIR   deploy/kubernetes-replicas.yaml: N replicas, the registry
                                     they share, the nginx front that routes by X-Eucc-Key

The manifest is checked against the object models of python3-kubernetes (field names and
types; fields newer than its API version are listed in NEWER_FIELDS), and for what eucc needs:
the image's entrypoint, probes, resources, the security context and the seccomp profile.
"""
import json
import os
import re
import shlex
import subprocess
import sys

import kubernetes.client as k8s
import yaml

KINDS = {
    ("v1", "Namespace"): k8s.V1Namespace,
    ("v1", "Secret"): k8s.V1Secret,
    ("v1", "Service"): k8s.V1Service,
    ("apps/v1", "StatefulSet"): k8s.V1StatefulSet,
    ("apps/v1", "Deployment"): k8s.V1Deployment,
    ("v1", "ConfigMap"): k8s.V1ConfigMap,
}
# Fields the models of python3-kubernetes (API 1.22) do not know yet: (model, field).
NEWER_FIELDS = {("V1PodSecurityContext", "appArmorProfile")}
ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]

failures = 0
checks = 0


def check(what, ok, detail=""):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print(f"FAIL: {what}{': ' + str(detail) if detail else ''}")


# ---- schema: field names and types from the client's models ------------------------------


def check_model(value, type_name, where):
    """Walk @value against the model type @type_name ('V1Pod', 'list[str]', ...)."""
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        check(f"{where} is a list", isinstance(value, list), type(value).__name__)
        for i, v in enumerate(value if isinstance(value, list) else []):
            check_model(v, m.group(1), f"{where}[{i}]")
        return
    m = re.fullmatch(r"dict\((.+), (.+)\)", type_name)
    if m:
        check(f"{where} is a map", isinstance(value, dict), type(value).__name__)
        for k, v in (value if isinstance(value, dict) else {}).items():
            check_model(v, m.group(2), f"{where}.{k}")
        return
    scalars = {"str": str, "int": int, "bool": bool, "float": (int, float)}
    if type_name in scalars:
        ok = isinstance(value, scalars[type_name]) and not (
            type_name == "int" and isinstance(value, bool))
        check(f"{where} is {type_name}", ok, repr(value))
        return
    if type_name in ("object", "datetime"):  # IntOrString, Quantity, times
        check(f"{where} is a scalar", isinstance(value, (str, int, float)), repr(value))
        return
    cls = getattr(k8s, type_name)
    check(f"{where} is an object", isinstance(value, dict), type(value).__name__)
    if not isinstance(value, dict):
        return
    by_key = {key: attr for attr, key in cls.attribute_map.items()}
    for key, v in value.items():
        if (type_name, key) in NEWER_FIELDS:
            continue
        check(f"{where}: {type_name} has a field '{key}'", key in by_key)
        if key in by_key:
            check_model(v, cls.openapi_types[by_key[key]], f"{where}.{key}")


def load(deploy, name="kubernetes.yaml"):
    with open(f"{deploy}/{name}") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    for d in docs:
        key = (d.get("apiVersion"), d.get("kind"))
        check(f"a kind this checks: {key}", key in KINDS)
        if key in KINDS:
            check_model(d, KINDS[key].__name__, f"{d['kind']}/{d['metadata']['name']}")
    return docs


def one(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    check(f"one {kind}", len(found) == 1, len(found))
    return found[0] if found else {}


# ---- the image: deploy/Containerfile's entrypoint, user and data dir ---------------------


def containerfile(deploy):
    with open(f"{deploy}/Containerfile") as f:
        text = re.sub(r"\\\n", " ", f.read())
    info = {"user": None, "data": None, "entry": ""}
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "USER":
            info["user"] = rest.strip()
        elif word == "ENTRYPOINT":
            info["entry"] = " ".join(json.loads(rest))
        elif word == "ENV":
            m = re.search(r"EUCC_DATA=(\S+)", rest)
            info["data"] = m.group(1) if m else info["data"]
    return info


def size_bytes(text):
    m = re.fullmatch(r"(\d+)([KMGT]i?)?", str(text))
    if not m:
        return None
    units = {None: 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    return int(m.group(1)) * units[m.group(2)]


def millicores(text):
    text = str(text)
    return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)


def option(args, name, default=None):
    return args[args.index(name) + 1] if name in args[:-1] else default


# ---- the pod ------------------------------------------------------------------------------


def check_security(c, pod_sc, deploy):
    sc = c.get("securityContext", {})
    name = c["name"]

    def eff(key):
        return sc.get(key, pod_sc.get(key))

    check(f"{name}: runAsNonRoot", eff("runAsNonRoot") is True)
    check(f"{name}: a numeric non-root user", isinstance(eff("runAsUser"), int)
          and eff("runAsUser") > 0, eff("runAsUser"))
    check(f"{name}: allowPrivilegeEscalation false", sc.get("allowPrivilegeEscalation") is False)
    check(f"{name}: readOnlyRootFilesystem", sc.get("readOnlyRootFilesystem") is True)
    check(f"{name}: drops ALL capabilities", sc.get("capabilities", {}).get("drop") == ["ALL"])
    check(f"{name}: adds none", not sc.get("capabilities", {}).get("add"))
    check(f"{name}: not privileged", not sc.get("privileged"))
    prof = eff("seccompProfile") or {}
    check(f"{name}: seccomp from a Localhost profile", prof.get("type") == "Localhost", prof)
    path = prof.get("localhostProfile", "")
    check(f"{name}: the profile is deploy/{path.replace('.json', '.seccomp.json')}",
          path == "eucc-server.json", path)
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    check(f"{name}: a writable /tmp on the read-only root", "/tmp" in mounts)
    res = c.get("resources", {})
    for r in ("cpu", "memory"):
        req, lim = res.get("requests", {}).get(r), res.get("limits", {}).get(r)
        check(f"{name}: requests and limits {r}", req is not None and lim is not None)
        if req is not None and lim is not None:
            conv = millicores if r == "cpu" else size_bytes
            check(f"{name}: {r} limit >= request", conv(lim) >= conv(req), (req, lim))


def check_pod(docs, deploy):
    image = containerfile(deploy)
    ns = one(docs, "Namespace")
    sts = one(docs, "StatefulSet")
    svc = one(docs, "Service")
    secret = one(docs, "Secret")
    for d in docs:
        if d["kind"] != "Namespace":
            check(f"{d['kind']} in namespace {ns['metadata']['name']}",
                  d["metadata"].get("namespace") == ns["metadata"]["name"])
    check("namespace: the privileged Pod Security level (AppArmor unconfined)",
          ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce")
          == "privileged")
    spec = sts["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    check("selector matches the pod", spec["selector"]["matchLabels"].items() <= labels.items())
    check("service selects the pod", svc["spec"]["selector"].items() <= labels.items())
    check("serviceName is the Service", spec["serviceName"] == svc["metadata"]["name"])
    pod_sc = pod.get("securityContext", {})
    check("pod: fsGroup is the user's group", pod_sc.get("fsGroup") == pod_sc.get("runAsGroup"))
    check("pod: AppArmor unconfined (bubblewrap mounts)",
          pod_sc.get("appArmorProfile", {}).get("type") == "Unconfined")
    check("pod: no service account token", pod.get("automountServiceAccountToken") is False)
    if image["user"]:
        check("runAsUser:runAsGroup is the image's USER",
              f"{pod_sc.get('runAsUser')}:{pod_sc.get('runAsGroup')}" == image["user"]
              or str(pod_sc.get("runAsUser")) == image["user"], image["user"])

    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    claims = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
    containers = pod["containers"]
    inits = pod.get("initContainers", [])
    check("one server container", len(containers) == 1)
    for c in containers + inits:
        check(f"{c['name']}: pulls only when missing (local images)",
              c.get("imagePullPolicy") in ("IfNotPresent", "Never"), c.get("imagePullPolicy"))
        for m in c.get("volumeMounts", []):
            check(f"{c['name']}: volume {m['name']} exists",
                  m["name"] in volumes or m["name"] in claims)
        check_security(c, pod_sc, deploy)

    srv = containers[0]
    args = [str(a) for a in srv.get("args", [])]
    entry = image["entry"]
    check("server: the image's entrypoint, not a command of its own", "command" not in srv)
    check("server: args are options for serve", not args or args[0].startswith("--"), args)
    m = re.search(r"--listen (\S+):(\d+)", entry)
    check("entrypoint: serve --listen HOST:PORT", m, entry)
    port = int(m.group(2)) if m else None
    check("entrypoint listens beyond loopback", m and m.group(1) in ("0.0.0.0", "[::]"))
    for opt in ("--listen", "--tokens", "--data"):
        check(f"server: {opt} is the image's, not given again", opt not in args)
    ports = {p.get("name"): p["containerPort"] for p in srv.get("ports", [])}
    check("server: containerPort is the entrypoint's port", port in ports.values(), ports)
    mounts = {m["name"]: m for m in srv.get("volumeMounts", [])}
    data = image["data"] or "/var/lib/eucc"
    check("server: the data volume at the image's data dir",
          mounts.get("data", {}).get("mountPath") == data, mounts.get("data"))
    t = re.search(r"--tokens (\S+)", entry)
    tokens = t.group(1) if t else ""
    tm = [m for m in mounts.values() if volumes.get(m["name"], {}).get("secret")]
    check("server: one Secret mounted", len(tm) == 1)
    if tm:
        sv = volumes[tm[0]["name"]]["secret"]
        check("server: the Secret at the tokens file's dir",
              tokens == f"{tm[0]['mountPath']}/tokens" and tm[0].get("readOnly") is True, tokens)
        check("the Secret is the tokens'", sv["secretName"] == secret["metadata"]["name"]
              and "tokens" in secret.get("stringData", secret.get("data", {})))
        check("tokens readable by the group only", sv.get("defaultMode") == 0o440,
              oct(sv.get("defaultMode", 0)))

    for probe in ("readinessProbe", "livenessProbe"):
        p = srv.get(probe, {}).get("httpGet", {})
        check(f"server: {probe} on /healthz", p.get("path") == "/healthz", p)
        check(f"server: {probe} on the server's port",
              p.get("port") == port or ports.get(p.get("port")) == port, p.get("port"))
    workers = int(option(args, "--workers", "0"))
    check("server: --workers given (the node's core count is not the pod's)", workers > 0)
    per = size_bytes(option(args, "--compile-memory", "2G").upper().replace("G", "Gi"))
    lim = size_bytes(srv.get("resources", {}).get("limits", {}).get("memory", "0"))
    check("server: memory limit holds every worker's compile memory", lim >= workers * per,
          (lim, workers, per))
    check("grace period beyond a compile's 60 s wall limit",
          pod.get("terminationGracePeriodSeconds", 30) > 60)

    check("one init container: the BTF import", len(inits) == 1)
    for c in inits:
        a = [str(x) for x in c.get("args", [])]
        check(f"{c['name']}: runs eucc-server (whatever the image's entrypoint)",
              c.get("command") == ["eucc-server"], c.get("command"))
        check(f"{c['name']}: btf import", a[:2] == ["btf", "import"], a)
        check(f"{c['name']}: into the server's data dir",
              option(a, "--data") == data and
              {m["name"]: m["mountPath"] for m in c["volumeMounts"]}.get("data") == data)
    return srv


# ---- the seccomp profile ------------------------------------------------------------------


def syscall_group(name, seen=None):
    seen = set() if seen is None else seen
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager", name],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            names |= syscall_group(line, seen)
    return names


def unit_syscalls(unit):
    """The system calls UNIT's SystemCallFilter= lines allow (an allow list, then ~ removals)."""
    allowed = None
    with open(unit) as f:
        for line in f:
            m = re.match(r"SystemCallFilter=(~?)(.*)", line.strip())
            if not m:
                continue
            names = set()
            for item in shlex.split(m.group(2)):
                names |= syscall_group(item)
            if m.group(1):
                allowed = (allowed or set()) - names
            else:
                allowed = (allowed or set()) | names
    return allowed or set()


def seccomp_profile(unit):
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ARCHES,
        "syscalls": [{"names": sorted(unit_syscalls(unit)), "action": "SCMP_ACT_ALLOW"}],
    }


def check_seccomp(deploy):
    with open(f"{deploy}/eucc-server.seccomp.json") as f:
        prof = json.load(f)
    want = seccomp_profile(f"{deploy}/eucc-server.service.in")
    check("seccomp: refuses by default, EPERM", prof.get("defaultAction") == "SCMP_ACT_ERRNO"
          and prof.get("defaultErrnoRet") == 1)
    check("seccomp: native architectures only", prof.get("architectures") == ARCHES)
    have = {n for s in prof.get("syscalls", []) if s.get("action") == "SCMP_ACT_ALLOW"
            for n in s["names"]}
    check("seccomp: only allow rules", all(s.get("action") == "SCMP_ACT_ALLOW"
                                           for s in prof.get("syscalls", [])))
    want_names = set(want["syscalls"][0]["names"])
    check("seccomp: the unit's allow list, no more", not (have - want_names),
          sorted(have - want_names))
    check("seccomp: the unit's allow list, no less", not (want_names - have),
          sorted(want_names - have))
    need = {"clone", "clone3", "unshare", "mount", "umount2", "pivot_root", "chroot", "capset",
            "prctl", "execve", "wait4", "prlimit64", "pidfd_open", "pidfd_send_signal"}
    check("seccomp: what bubblewrap and the server call", need <= have, sorted(need - have))
    check("seccomp: none of the dangerous", not (have & {
        "kexec_load", "init_module", "finit_module", "bpf", "perf_event_open", "ptrace",
        "reboot", "swapon", "settimeofday", "clock_settime", "setrlimit", "iopl"}))


# ---- deploy/kubernetes-replicas.yaml ------------------------------------------------------


def named(docs, kind, name):
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    check(f"{kind}/{name} exists", len(found) == 1)
    return found[0] if found else {}


def check_replicas(deploy):
    docs = load(deploy, "kubernetes-replicas.yaml")
    ns = one(docs, "Namespace")["metadata"]["name"]
    for d in docs:
        if d["kind"] != "Namespace":
            check(f"{d['kind']}/{d['metadata']['name']} in namespace {ns}",
                  d["metadata"].get("namespace") == ns)
    sts = named(docs, "StatefulSet", "eucc-server")
    n = sts["spec"]["replicas"]
    check("more than one replica", n > 1, n)
    pod = sts["spec"]["template"]["spec"]
    srv = pod["containers"][0]
    for c in pod["containers"] + pod.get("initContainers", []):
        check_security(c, pod.get("securityContext", {}), deploy)
    svc = named(docs, "Service", sts["spec"]["serviceName"])
    check("the replicas' Service is headless (a name per replica)",
          svc["spec"].get("clusterIP") == "None")
    port = svc["spec"]["ports"][0]["port"]
    # the registry they share
    args = [str(a) for a in srv.get("args", [])]
    url = option(args, "--registry", "")
    m = re.fullmatch(r"https?://([a-z0-9-]+):(\d+)(/[a-z0-9/._-]+)?", url)
    check("server: --registry http(s)://SERVICE:PORT/REPO", m, url)
    reg_svc = named(docs, "Service", m.group(1) if m else "")
    reg_port = reg_svc.get("spec", {}).get("ports", [{}])[0]
    check("--registry's port is the registry Service's", m and int(m.group(2)) == reg_port.get("port"))
    reg = [d for d in docs if d["kind"] in ("StatefulSet", "Deployment")
           and reg_svc and d["spec"]["template"]["metadata"]["labels"].items()
           >= reg_svc["spec"]["selector"].items()]
    check("one registry workload behind the registry Service", len(reg) == 1)
    if reg:
        rc = reg[0]["spec"]["template"]["spec"]["containers"][0]
        ports = {p.get("name"): p["containerPort"] for p in rc.get("ports", [])}
        target = reg_port.get("targetPort")
        check("the registry Service reaches the registry's port", target in ports or target in ports.values())
        cm = named(docs, "ConfigMap", "eucc-registry")
        conf = yaml.safe_load(cm.get("data", {}).get("config.yml", "{}"))
        addr = conf.get("http", {}).get("addr", "")
        check("the registry listens on its container port", addr.endswith(f":{ports.get(target, target)}"), addr)
        path = conf.get("auth", {}).get("htpasswd", {}).get("path", "")
        mounts = {m["mountPath"]: m["name"] for m in rc.get("volumeMounts", [])}
        check("the registry's htpasswd file is mounted", os.path.dirname(path) in mounts, path)
    env = {e["name"]: e for e in srv.get("env", [])}
    ref = env.get("EUCC_REGISTRY_USER", {}).get("valueFrom", {}).get("secretKeyRef", {})
    secret = named(docs, "Secret", ref.get("name", ""))
    check("server: EUCC_REGISTRY_USER from a Secret key that exists",
          ref.get("key") in secret.get("stringData", {}), ref)
    # the front: consistent hashing on the key, every replica listed
    front = named(docs, "ConfigMap", "eucc-front")
    conf = "\n".join(front.get("data", {}).values())
    check("front: hash $http_x_eucc_key consistent",
          re.search(r"^\s*hash \$http_x_eucc_key consistent;", conf, re.M))
    servers = re.findall(r"^\s*server (\S+);", conf, re.M)
    want = [f"{sts['metadata']['name']}-{i}.{svc['metadata']['name']}.{ns}.svc.cluster.local:{port}"
            for i in range(n)]
    check(f"front: the upstream lists the {n} replicas", servers == want, servers)
    dep = named(docs, "Deployment", "eucc-front")
    vols = [v.get("configMap", {}).get("name") for v in
            dep.get("spec", {}).get("template", {}).get("spec", {}).get("volumes", [])]
    check("front: mounts its ConfigMap", "eucc-front" in vols)
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "replicas":
        return check_replicas(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "seccomp":
        print(json.dumps(seccomp_profile(sys.argv[2]), indent=2))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "args":
        srv = check_pod(load(sys.argv[2]), sys.argv[2])
        print("\n".join(str(a) for a in srv.get("args", [])))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        docs = load(sys.argv[2])
        check_pod(docs, sys.argv[2])
        check_seccomp(sys.argv[2])
        print(f"{checks - failures} passed, {failures} failed")
        return 1 if failures else 0
    print(__doc__, file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
