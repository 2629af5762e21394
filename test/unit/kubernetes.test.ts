import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { installMocks, registered, Registered, runProgram, settled } from "./mocks";

/** Pulumi.prod.yaml's config as the engine hands it to the program: "project:key" → JSON text. */
function prodConfig(overrides: Record<string, unknown> = {}): Record<string, string> {
    const file = path.resolve(__dirname, "..", "..", "Pulumi.prod.yaml");
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    const merged = { ...doc.config, ...overrides };
    return Object.fromEntries(
        Object.entries(merged).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    );
}

const KIND: Record<string, string> = {
    "kubernetes:apps/v1:StatefulSet": "StatefulSet",
    "kubernetes:apps/v1:Deployment": "Deployment",
    "kubernetes:core/v1:Service": "Service",
    "kubernetes:core/v1:ConfigMap": "ConfigMap",
    "kubernetes:core/v1:Namespace": "Namespace",
    "kubernetes:core/v1:PersistentVolumeClaim": "PersistentVolumeClaim",
    "kubernetes:policy/v1:PodDisruptionBudget": "PodDisruptionBudget",
    "kubernetes:batch/v1:Job": "Job",
    "pulumi:providers:kubernetes": "Provider",
};

interface Meta {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
}
const meta = (r: Registered) => (r.inputs.metadata ?? {}) as Meta;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** Kind → count, per namespace ("-" for cluster-scoped objects and the provider). */
function countsByNamespace(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const r of registered) {
        const kind = KIND[r.type];
        if (!kind) {
            continue;
        }
        const ns = meta(r).namespace ?? "-";
        out[ns] ??= {};
        out[ns][kind] = (out[ns][kind] ?? 0) + 1;
    }
    return out;
}

function parseProperties(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .trim()
            .split("\n")
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}

function find(type: string, name: string): Registered {
    const r = registered.find((x) => KIND[x.type] === type && (meta(x).name === name || x.name === name));
    assert.ok(r, `no ${type} ${name}; have ${registered.map((x) => `${x.type} ${x.name}`).join(", ")}`);
    return r;
}

describe("the prod stack on Kubernetes (Pulumi mocks)", () => {
    before(installMocks);

    async function runProd(overrides: Record<string, unknown> = {}) {
        const program = runProgram(prodConfig(overrides));
        await settled();
        return program;
    }

    it("declares each colour's objects in its own namespace and the shared ones in rocketmq", async () => {
        await runProd();
        assert.deepStrictEqual(countsByNamespace(), {
            "-": { Provider: 1, Namespace: 3 },
            rocketmq: {
                // Name servers: StatefulSet, headless Service, ConfigMap, PDB. Backup claim.
                StatefulSet: 1,
                Service: 1,
                ConfigMap: 1,
                PodDisruptionBudget: 1,
                PersistentVolumeClaim: 1,
                // Blue's backup and verification, green's verification, the traffic split.
                Job: 4,
            },
            "rocketmq-blue": { StatefulSet: 4, ConfigMap: 4, Service: 1, PodDisruptionBudget: 2 },
            // Green adds the 5.x proxies: a Deployment, its Service, ConfigMap and PDB.
            "rocketmq-green": { StatefulSet: 4, ConfigMap: 5, Service: 2, PodDisruptionBudget: 3, Deployment: 1 },
        });
        assert.deepStrictEqual(
            registered
                .filter((r) => KIND[r.type] === "Namespace")
                .map((r) => meta(r).name)
                .sort(),
            ["rocketmq", "rocketmq-blue", "rocketmq-green"],
        );
    });

    it("writes each broker's broker.conf: identity, role, cluster, the shared name servers, its pod's name", async () => {
        await runProd();
        const namesrv = "namesrv-0.namesrv.rocketmq.svc:9876;namesrv-1.namesrv.rocketmq.svc:9876";
        const confs = registered.filter((r) => KIND[r.type] === "ConfigMap" && (r.inputs.data as Any)?.["broker.conf"]);
        const seen = confs
            .map((r) => {
                const p = parseProperties((r.inputs.data as Any)["broker.conf"]);
                assert.strictEqual(p.namesrvAddr, namesrv);
                assert.strictEqual(p.listenPort, "10911");
                assert.strictEqual(p.autoCreateTopicEnable, "false");
                assert.strictEqual(p.flushDiskType, "ASYNC_FLUSH");
                assert.strictEqual(p.storePathRootDir, "/home/rocketmq/store");
                assert.strictEqual(p.bindAddress, undefined, "a pod listens on every interface");
                return [p.brokerClusterName, p.brokerName, p.brokerId, p.brokerRole, p.brokerIP1].join(" ");
            })
            .sort();
        assert.deepStrictEqual(seen, [
            "rocketmq-blue rocketmq-blue-a 0 SYNC_MASTER rocketmq-blue-broker-a-0-0.rocketmq-blue-brokers.rocketmq-blue.svc",
            "rocketmq-blue rocketmq-blue-a 1 SLAVE rocketmq-blue-broker-a-1-0.rocketmq-blue-brokers.rocketmq-blue.svc",
            "rocketmq-blue rocketmq-blue-b 0 SYNC_MASTER rocketmq-blue-broker-b-0-0.rocketmq-blue-brokers.rocketmq-blue.svc",
            "rocketmq-blue rocketmq-blue-b 1 SLAVE rocketmq-blue-broker-b-1-0.rocketmq-blue-brokers.rocketmq-blue.svc",
            "rocketmq-green rocketmq-green-a 0 SYNC_MASTER rocketmq-green-broker-a-0-0.rocketmq-green-brokers.rocketmq-green.svc",
            "rocketmq-green rocketmq-green-a 1 SLAVE rocketmq-green-broker-a-1-0.rocketmq-green-brokers.rocketmq-green.svc",
            "rocketmq-green rocketmq-green-b 0 SYNC_MASTER rocketmq-green-broker-b-0-0.rocketmq-green-brokers.rocketmq-green.svc",
            "rocketmq-green rocketmq-green-b 1 SLAVE rocketmq-green-broker-b-1-0.rocketmq-green-brokers.rocketmq-green.svc",
        ]);
    });

    it("gives every broker its own claim, one PDB per broker group and anti-affinity across nodes and zones", async () => {
        await runProd();
        const brokers = registered.filter(
            (r) => KIND[r.type] === "StatefulSet" && meta(r).labels?.["app.kubernetes.io/component"] === "broker",
        );
        assert.strictEqual(brokers.length, 8);
        for (const b of brokers) {
            const spec = b.inputs.spec as Any;
            assert.strictEqual(spec.replicas, 1);
            assert.strictEqual(spec.serviceName, `${meta(b).namespace}-brokers`);
            assert.deepStrictEqual(
                spec.volumeClaimTemplates.map((t: Any) => [
                    t.metadata.name,
                    t.spec.storageClassName,
                    t.spec.resources.requests.storage,
                    t.spec.accessModes.join(),
                ]),
                [["store", "gp3", "500Gi", "ReadWriteOnce"]],
            );
            assert.deepStrictEqual(spec.persistentVolumeClaimRetentionPolicy, {
                whenDeleted: "Retain",
                whenScaled: "Retain",
            });
            const group = meta(b).labels!["rocketmq.apache.org/broker-name"];
            const anti = spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
            assert.deepStrictEqual(
                anti.map((t: Any) => [t.topologyKey, t.labelSelector.matchLabels["rocketmq.apache.org/broker-name"]]),
                [
                    ["kubernetes.io/hostname", group],
                    ["topology.kubernetes.io/zone", group],
                ],
            );
        }
        const pdbs = registered.filter((r) => KIND[r.type] === "PodDisruptionBudget");
        const groupPdbs = pdbs.filter(
            (p) => (p.inputs.spec as Any).selector.matchLabels["rocketmq.apache.org/broker-name"],
        );
        assert.deepStrictEqual(groupPdbs.map((p) => meta(p).name).sort(), [
            "rocketmq-blue-a",
            "rocketmq-blue-b",
            "rocketmq-green-a",
            "rocketmq-green-b",
        ]);
        for (const p of pdbs) {
            assert.strictEqual((p.inputs.spec as Any).maxUnavailable, 1);
        }
    });

    it("runs every workload non-root with probes, requests and limits, the release's official image and app.kubernetes.io labels", async () => {
        await runProd();
        const workloads = registered.filter((r) => ["StatefulSet", "Deployment", "Job"].includes(KIND[r.type]));
        assert.strictEqual(workloads.length, 4 + 4 + 1 + 1 + 4);
        for (const w of workloads) {
            const labels = meta(w).labels!;
            for (const key of ["name", "instance", "component", "version", "part-of", "managed-by"]) {
                assert.ok(labels[`app.kubernetes.io/${key}`], `${w.name} lacks app.kubernetes.io/${key}`);
            }
            const pod = (w.inputs.spec as Any).template.spec;
            assert.strictEqual(pod.securityContext.runAsNonRoot, true, w.name);
            assert.ok(pod.securityContext.runAsUser > 0, w.name);
            for (const c of [...(pod.initContainers ?? []), ...pod.containers].filter(
                (x: Any) => x.name !== "upload",
            )) {
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false, w.name);
                assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
                assert.ok(c.resources.requests.cpu && c.resources.limits.memory, w.name);
                const version = labels["app.kubernetes.io/version"];
                assert.strictEqual(c.image, `apache/rocketmq:${version}`, w.name);
                if (KIND[w.type] !== "Job") {
                    assert.ok(c.readinessProbe && c.livenessProbe, `${w.name} has no probes`);
                }
            }
        }
        const broker = find("StatefulSet", "rocketmq-green-broker-a-0");
        const container = (broker.inputs.spec as Any).template.spec.containers[0];
        assert.deepStrictEqual(container.resources, {
            requests: { cpu: "4", memory: "16Gi" },
            limits: { cpu: "8", memory: "16Gi" },
        });
        assert.deepStrictEqual(container.env, [{ name: "JAVA_OPT_EXT", value: "-Xms8192m -Xmx8192m" }]);
        assert.strictEqual((find("Deployment", "rocketmq-green-proxy").inputs.spec as Any).replicas, 2);
        assert.strictEqual((find("StatefulSet", "namesrv").inputs.spec as Any).replicas, 2);
    });

    it("uploads each backup to S3 from the backup Job: mqadmin first, then the AWS CLI as the backup service account", async () => {
        await runProd();
        const backup = registered.find(
            (r) => KIND[r.type] === "Job" && meta(r).labels!["app.kubernetes.io/instance"] === "blue-backup",
        )!;
        const pod = (backup.inputs.spec as Any).template.spec;
        assert.strictEqual(pod.serviceAccountName, "rocketmq-backup");
        assert.deepStrictEqual(
            pod.initContainers.map((c: Any) => [c.name, c.image]),
            [["mqadmin", "apache/rocketmq:4.9.7"]],
        );
        assert.deepStrictEqual(
            pod.containers.map((c: Any) => [c.name, c.image]),
            [["upload", "amazon/aws-cli:2.22.35"]],
        );
        const upload = pod.containers[0];
        assert.ok(upload.env.some((e: Any) => e.name === "AWS_REGION" && e.value === "eu-west-1"));
        assert.match(upload.command[2], /aws s3 cp --recursive --only-show-errors "\$dir" "\$dest"/);
        assert.match(upload.command[2], /dest='s3:\/\/acme-rocketmq-backups\/rocketmq-backups\/rocketmq-blue\/'/);
        assert.match(pod.initContainers[0].command[2], /\.latest-rocketmq-blue/);
        for (const c of [...pod.initContainers, ...pod.containers]) {
            assert.deepStrictEqual(c.volumeMounts, [{ name: "backups", mountPath: "/backups" }]);
        }
    });

    it("runs the traffic split as a Job that moves write queues, never leaving a topic without a writable queue", async () => {
        await runProd({ "rocketmq-upgrade:trafficWeight": 50 });
        const jobs = registered.filter((r) => KIND[r.type] === "Job");
        const traffic = jobs.find((j) => meta(j).labels!["app.kubernetes.io/instance"] === "traffic")!;
        const script: string = (traffic.inputs.spec as Any).template.spec.containers[0].command[2];
        assert.strictEqual((traffic.inputs.spec as Any).backoffLimit, 0);
        const updates = script.split("\n").filter((l) => l.startsWith("admin updateTopic"));
        // 2 topics × 4 masters; at 50 % every master keeps read-write (perm 6).
        assert.strictEqual(updates.length, 8);
        assert.ok(updates.every((l) => l.includes("-p 6")));
        assert.ok(script.includes("set -eu"));
    });

    it("with isolated routing declares a name-server set per colour and the address server's Deployment, Service and ConfigMap", async () => {
        await runProd({
            "rocketmq-upgrade:routing": "isolated",
            "rocketmq-upgrade:trafficWeight": 10,
        });
        const sets = registered
            .filter(
                (r) =>
                    KIND[r.type] === "StatefulSet" && meta(r).labels?.["app.kubernetes.io/component"] === "nameserver",
            )
            .map((r) => [meta(r).name, (r.inputs.spec as Any).template.spec.containers[0].image]);
        assert.deepStrictEqual(sets.sort(), [
            ["green-namesrv", "apache/rocketmq:5.5.0"],
            ["namesrv", "apache/rocketmq:4.9.7"],
        ]);
        const deployment = find("Deployment", "address-server");
        const spec = deployment.inputs.spec as Any;
        assert.strictEqual(spec.replicas, 2);
        assert.deepStrictEqual(spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
        assert.strictEqual(spec.template.spec.containers[0].image, "nginx:1.27.3");
        const conf = registered.find((r) => KIND[r.type] === "ConfigMap" && (r.inputs.data as Any)?.["nginx.conf"])!;
        const nginx: string = (conf.inputs.data as Any)["nginx.conf"];
        assert.ok(nginx.includes("10% green;"), nginx);
        assert.ok(nginx.includes('green "green-namesrv-0.green-namesrv.rocketmq.svc:9876;'), nginx);
    });

    it("rolls blue in place one broker at a time, slaves first, each behind a hand-over Job and before a check Job", async () => {
        const config = prodConfig({ "rocketmq-upgrade:strategy": "rolling" });
        delete config["rocketmq-upgrade:green"];
        runProgram(config);
        await settled();
        const brokers = registered
            .filter(
                (r) => KIND[r.type] === "StatefulSet" && meta(r).labels?.["app.kubernetes.io/component"] === "broker",
            )
            .map((r) => r.name);
        // Each waits for the check after the one before, so they are registered in the roll's order.
        assert.deepStrictEqual(brokers, [
            "rocketmq-blue-broker-a-1",
            "rocketmq-blue-broker-b-1",
            "rocketmq-blue-broker-a-0",
            "rocketmq-blue-broker-b-0",
        ]);
        const jobs = registered.filter((r) => KIND[r.type] === "Job").map((r) => r.name);
        for (const b of brokers) {
            assert.ok(jobs.includes(`${b}-turn`) && jobs.includes(`${b}-verify`), `${b}: ${jobs.join(", ")}`);
        }
        const order = registered.map((r) => r.name);
        for (let i = 1; i < brokers.length; i++) {
            assert.ok(order.indexOf(`${brokers[i - 1]}-verify`) < order.indexOf(`${brokers[i]}-turn`));
        }
        const script = (name: string) =>
            (registered.find((r) => r.name === name)!.inputs.spec as Any).template.spec.containers[0]
                .command[2] as string;
        assert.match(script("rocketmq-blue-broker-a-0-turn"), /admin wipeWritePerm -n .* -b 'rocketmq-blue-a'/);
        assert.doesNotMatch(script("rocketmq-blue-broker-a-1-turn"), /wipeWritePerm/);
        assert.match(script("rocketmq-blue-broker-a-0-verify"), /admin addWritePerm/);
    });

    describe("refuses bad input at preview, naming the key, before any resource", () => {
        const k8s = (patch: Record<string, unknown>) => {
            const doc = JSON.parse(prodConfig()["rocketmq-upgrade:kubernetes"]);
            return { "rocketmq-upgrade:kubernetes": { ...doc, ...patch } };
        };
        const cases: [string, Record<string, unknown>, RegExp][] = [
            [
                "a storage size that does not parse",
                k8s({ storage: { broker: "500GB", backup: "50Gi" } }),
                /rocketmq-upgrade:kubernetes\.storage\.broker = "500GB": must be a Kubernetes quantity/,
            ],
            [
                "a resource quantity that does not parse",
                k8s({
                    resources: {
                        ...JSON.parse(prodConfig()["rocketmq-upgrade:kubernetes"]).resources,
                        broker: { requests: { cpu: "four", memory: "16Gi" }, limits: { cpu: "8", memory: "16Gi" } },
                    },
                }),
                /kubernetes\.resources\.broker\.requests\.cpu = "four": must be a Kubernetes quantity/,
            ],
            [
                "a replica count of 0 (name servers)",
                { "rocketmq-upgrade:nameServer": { count: 0, heapMb: 1024 } },
                /rocketmq-upgrade:nameServer\.count = 0: must be an integer from 1 to 5/,
            ],
            [
                "a replica count of 0 (address server)",
                k8s({ addressServerReplicas: 0 }),
                /kubernetes\.addressServerReplicas = 0: must be an integer from 1 to 10/,
            ],
            [
                "an image tag that is not a version",
                k8s({ images: { rocketmq: "apache/rocketmq", addressServer: "nginx:latest" } }),
                /kubernetes\.images\.addressServer = "nginx:latest": must be repository:tag with a version tag/,
            ],
            [
                "a tag on the RocketMQ repository",
                k8s({ images: { rocketmq: "apache/rocketmq:latest", addressServer: "nginx:1.27.3" } }),
                /kubernetes\.images\.rocketmq = "apache\/rocketmq:latest": must be a repository without a tag/,
            ],
            [
                "a heap larger than its container's memory limit allows",
                { "rocketmq-upgrade:nameServer": { count: 2, heapMb: 4096 } },
                /nameServer\.heapMb = 4096: must be at most 1536 \(75% of kubernetes\.resources\.nameServer\.limits\.memory = "2Gi"\)/,
            ],
            [
                "a store backup, which would need volume snapshots",
                { "rocketmq-upgrade:backup": { includeStore: true, retentionDays: 14, baselineSeconds: 0 } },
                /rocketmq-upgrade:backup\.includeStore = true: on platform "kubernetes" backups hold metadata/,
            ],
            [
                "a cluster name that cannot name Kubernetes objects",
                { "rocketmq-upgrade:green": { version: "5.5.0", clusterName: "Green_Cluster" } },
                /green\.clusterName = "Green_Cluster": on platform "kubernetes"/,
            ],
        ];
        for (const [what, overrides, message] of cases) {
            it(what, () => {
                assert.throws(() => runProgram(prodConfig(overrides)), message);
                assert.strictEqual(registered.length, 0, "no resource may be registered");
            });
        }
    });
});
