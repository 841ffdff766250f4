#!/usr/bin/env python3
"""What the manifests of this folder must keep, beyond the schema that `kubernetes-validate
--strict` checks: two or more replicas, probes on the admin port, a locked-down securityContext and
resource requests and limits on every container, the keys from a Secret, the settings from the
ConfigMap, one migration Job per release, the Ingress routing only the public port, and
kustomization.yaml listing every manifest. Run after editing them (needs PyYAML):

    python3 deploy/kubernetes/check-policy.py deploy/kubernetes

Prints every violation and exits 1 when there is one. `cargo xtask test "deploy artefacts"` runs it.
"""

import pathlib
import sys

import yaml

# Applied with `kubectl apply -f` after each registry change, not with the kustomization.
OUTSIDE_KUSTOMIZATION = {"job-registry-import.yaml"}

problems = []


def expect(ok, message):
    if not ok:
        problems.append(message)


def load(folder):
    docs = {}
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[(doc["kind"], doc["metadata"]["name"] if "metadata" in doc else path.name)] = (path.name, doc)
    return docs


def pod_spec_checks(where, pod):
    spec = pod["spec"]
    sc = spec.get("securityContext", {})
    expect(sc.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot must be true")
    expect(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: pod seccompProfile must be RuntimeDefault")
    expect(spec.get("automountServiceAccountToken") is False, f"{where}: automountServiceAccountToken must be false")
    for c in spec["containers"] + spec.get("initContainers", []):
        name = f"{where} container {c['name']}"
        csc = c.get("securityContext", {})
        expect(csc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem must be true")
        expect(csc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation must be false")
        expect(csc.get("runAsNonRoot") is True, f"{name}: runAsNonRoot must be true")
        expect(csc.get("privileged", False) is False, f"{name}: must not be privileged")
        expect(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities.drop must be [ALL]")
        expect(not csc.get("capabilities", {}).get("add"), f"{name}: must add no capability")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                expect(resource in res.get(kind, {}), f"{name}: resources.{kind}.{resource} is missing")
        env = {e["name"]: e for e in c.get("env", [])}
        expect("secretKeyRef" in env.get("VOCE_DATABASE_URL", {}).get("valueFrom", {}),
               f"{name}: VOCE_DATABASE_URL must come from a Secret")
        expect({"configMapRef": {"name": "voce-collector"}} in c.get("envFrom", []),
               f"{name}: the settings must come from the voce-collector ConfigMap")


def main(folder):
    docs = load(folder)
    get = lambda kind, name: docs.get((kind, name), (None, None))[1]

    # The kustomization applies every manifest but the registry import.
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    listed = set(kustomization.get("resources", []))
    files = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    expect(listed == files - OUTSIDE_KUSTOMIZATION,
           f"kustomization.yaml resources {sorted(listed)} differ from the manifests {sorted(files - OUTSIDE_KUSTOMIZATION)}")

    config = get("ConfigMap", "voce-collector")
    deployment = get("Deployment", "voce-collector")
    if config is None or deployment is None:
        problems.append("the voce-collector ConfigMap and Deployment must exist")
        return
    settings = config["data"]
    expect(settings.get("VOCE_ENV") == "production", "ConfigMap: VOCE_ENV must be production")
    admin_port = int(settings.get("VOCE_ADMIN_BIND", ":0").rsplit(":", 1)[1])
    public_port = int(settings.get("VOCE_BIND", ":0").rsplit(":", 1)[1])

    spec = deployment["spec"]
    pod = spec["template"]
    labels = pod["metadata"]["labels"]
    expect(spec.get("replicas", 1) >= 2, "Deployment: at least 2 replicas")
    expect(spec.get("strategy", {}).get("rollingUpdate", {}).get("maxUnavailable") == 0,
           "Deployment: a rollout must not take a serving replica away first (maxUnavailable 0)")
    pod_spec_checks("Deployment", pod)
    (collector,) = pod["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in collector["ports"]}
    expect(ports.get("admin") == admin_port, f"Deployment: port admin must be VOCE_ADMIN_BIND's {admin_port}")
    expect(ports.get("http") == public_port, f"Deployment: port http must be VOCE_BIND's {public_port}")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get_probe = collector.get(probe, {}).get("httpGet", {})
        expect(get_probe.get("port") == "admin", f"Deployment: {probe} must be on the admin port")
        expect(get_probe.get("path") == path, f"Deployment: {probe} must ask {path}")
    secret_volumes = {v["name"] for v in pod["spec"].get("volumes", [])
                      if v.get("secret", {}).get("secretName") == "voce-ticket-keys"}
    keys_mounts = [m for m in collector.get("volumeMounts", [])
                   if m["name"] in secret_volumes and m["mountPath"] == settings.get("VOCE_KEYS_DIR")]
    expect(len(keys_mounts) == 1 and "subPath" not in keys_mounts[0],
           "Deployment: the voce-ticket-keys Secret must be mounted whole (no subPath) at VOCE_KEYS_DIR")
    tmp_mounts = [m for m in collector.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
    expect(len(tmp_mounts) == 1, "Deployment: a writable /tmp (emptyDir) is needed with a read-only root")
    image = collector["image"]

    # One migration Job per release: the image's tag is in its name.
    jobs = [(name, doc) for (kind, name), (_, doc) in docs.items() if kind == "Job"]
    migrate = [(name, doc) for name, doc in jobs if doc["spec"]["template"]["spec"]["containers"][0].get("args") == ["migrate"]]
    expect(len(migrate) == 1, "exactly one migration Job (args: [migrate])")
    tag = image.rsplit(":", 1)[-1]
    for name, doc in jobs:
        pod_spec_checks(f"Job {name}", doc["spec"]["template"])
        expect(doc["spec"]["template"]["spec"]["containers"][0]["image"] == image, f"Job {name}: the Deployment's image")
    for name, _ in migrate:
        expect(name.endswith(tag.replace(".", "-")), f"Job {name}: the name must end with the release {tag}")

    pdb = get("PodDisruptionBudget", "voce-collector")
    expect(pdb is not None and pdb["spec"]["selector"]["matchLabels"].items() <= labels.items(), "a PodDisruptionBudget selecting the pods")
    expect(pdb is not None and pdb["spec"].get("minAvailable", 0) >= 1, "PodDisruptionBudget: minAvailable at least 1")
    hpa = get("HorizontalPodAutoscaler", "voce-collector")
    expect(hpa is not None and hpa["spec"]["scaleTargetRef"]["name"] == "voce-collector" and hpa["spec"]["minReplicas"] >= 2,
           "a HorizontalPodAutoscaler of the Deployment with minReplicas at least 2")
    service = get("Service", "voce-collector")
    expect(service is not None and service["spec"]["selector"].items() <= labels.items(), "a Service selecting the pods")
    ingress = get("Ingress", "voce-collector")
    backends = [p["backend"]["service"] for r in (ingress or {}).get("spec", {}).get("rules", []) for p in r["http"]["paths"]]
    expect(ingress is not None and backends and all(b["name"] == "voce-collector" and b["port"] == {"name": "http"} for b in backends),
           "an Ingress routing only to the Service's http port (never admin)")
    expect(ingress is not None and ingress["spec"].get("tls"), "Ingress: TLS")
    policy = get("NetworkPolicy", "voce-collector")
    expect(policy is not None and set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}, "a NetworkPolicy for both directions")
    if policy is not None:
        expect(policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items(), "NetworkPolicy: selects the pods")
        for rule in policy["spec"].get("ingress", []):
            rule_ports = {p["port"] for p in rule.get("ports", [])}
            expect(rule_ports and not ("admin" in rule_ports and "http" in rule_ports),
                   "NetworkPolicy: the admin and public ports are admitted from different peers")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent))
    for p in problems:
        print(f"policy: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print("policy: the manifests keep every rule")
