/**
 * The prod stack (Pulumi.prod.yaml) through the real pulumi CLI and the real
 * kubernetes provider plugin in render mode (renderYamlToDirectory): every
 * object is written as a manifest, with no cluster, and each manifest is
 * validated against the Kubernetes OpenAPI schemas by kubernetes-validate.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { copyProject, pulumiWithEnv, Run } from "./support";

const PASSPHRASE = { PULUMI_CONFIG_PASSPHRASE: "rocketmq-upgrade-render-test" };

function lockValue(key: string): string {
    const lock = fs.readFileSync(path.resolve(__dirname, "..", "..", "scripts", "toolchain.lock"), "utf8");
    return new RegExp(`^${key}=(\\S+)$`, "m").exec(lock)![1];
}

function prod(dir: string, ...args: string[]): Run {
    return pulumiWithEnv(dir, PASSPHRASE, ...args, "--stack", "prod");
}

function mustProd(dir: string, ...args: string[]): string {
    const r = prod(dir, ...args);
    assert.strictEqual(r.status, 0, `pulumi ${args.join(" ")} --stack prod failed:\n${r.output}`);
    return r.output;
}

/** The rendered manifests, file name → text. */
function manifests(out: string): Map<string, string> {
    const dir = path.join(out, "1-manifest");
    return new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

/** Kind (from the file name the provider writes: <group_version>-<kind>-<namespace>-<name>.yaml) → count. */
function kinds(files: Iterable<string>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of files) {
        const kind = f.split("-")[1];
        out[kind] = (out[kind] ?? 0) + 1;
    }
    return out;
}

describe("the prod stack rendered by the real kubernetes provider", () => {
    let dir: string;
    let out: string;
    let validator: string;

    const validate = (files: string[]) =>
        spawnSync(validator, ["--strict", "-k", lockValue("KUBERNETES_SCHEMA_VERSION"), ...files], {
            encoding: "utf8",
        });

    before(() => {
        dir = copyProject();
        out = path.join(dir, "rendered");
        validator = execFileSync("bash", [path.join(dir, "scripts", "manifest-validator.sh")], {
            encoding: "utf8",
        }).trim();
        mustProd(dir, "config", "set", "--path", "kubernetes.renderYamlToDirectory", out);
        // The AWS resources (the backup bucket) need the AWS provider plugin, which cannot be built here
        // (README.md); the backup Job's upload step stays, it is a Kubernetes object.
        mustProd(dir, "config", "rm", "aws");
    });

    after(() => {
        if (dir) {
            prod(dir, "destroy");
        }
    });

    it("writes every object of Pulumi.prod.yaml as a manifest with `pulumi up`", () => {
        const output = mustProd(dir, "up");
        assert.match(output, /pulumi:providers:kubernetes\s+kubernetes-provider\s+created/);
        assert.doesNotMatch(output, /expected to have version/, "the engine loaded another plugin version");
        assert.deepStrictEqual(kinds(manifests(out).keys()), {
            namespace: 3,
            statefulset: 9,
            configmap: 10,
            service: 4,
            poddisruptionbudget: 6,
            deployment: 1,
            job: 4,
            persistentvolumeclaim: 1,
        });
    });

    it("validates every manifest against the Kubernetes OpenAPI schemas, strictly", () => {
        const files = [...manifests(out).keys()].map((f) => path.join(out, "1-manifest", f));
        const r = validate(files);
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
        const passed = r.stdout.split("\n").filter((l) => / passed for resource /.test(l));
        assert.strictEqual(passed.length, files.length, r.stdout);
    });

    it("the validator refuses a manifest the API server would refuse", () => {
        const [file, text] = [...manifests(out)].find(([f]) => f.includes("statefulset"))!;
        const broken = path.join(dir, `broken-${file}`);
        fs.writeFileSync(broken, text.replace(/^ {2}replicas: (\d+)$/m, '  replicas: "$1"\n  replica: 1'));
        const r = validate([broken]);
        assert.notStrictEqual(r.status, 0, r.stdout);
        assert.match(r.stdout + r.stderr, /did not validate/);
    });

    it("a canary stage is a config bump: weight 10 replaces the traffic Job with one that moves the queues", () => {
        const before = [...manifests(out).keys()].filter((f) => f.includes("-job-rocketmq-traffic-"));
        assert.strictEqual(before.length, 1);
        mustProd(dir, "config", "set", "trafficWeight", "10");
        const output = mustProd(dir, "up");
        assert.match(output, /kubernetes:batch\/v1:Job\s+traffic\s+replaced/);
        const after = [...manifests(out)].filter(([f]) => f.includes("-job-rocketmq-traffic-"));
        assert.strictEqual(after.length, 1, "the old traffic Job's manifest must be gone");
        assert.notStrictEqual(after[0][0], before[0]);
        assert.match(after[0][1], /# traffic weight 10% to rocketmq-green/);
        assert.match(after[0][1], /admin updateTopic .* -t 'Orders' -r 8 -w 1 -p 6/);
        assert.strictEqual(validate([path.join(out, "1-manifest", after[0][0])]).status, 0);
    });

    it("refuses a storage size that does not parse at preview, naming the key, and rewrites nothing", () => {
        const snapshot = manifests(out);
        mustProd(dir, "config", "set", "--path", "kubernetes.storage.broker", "500GB");
        try {
            const r = prod(dir, "preview");
            assert.notStrictEqual(r.status, 0);
            assert.match(
                r.output,
                /rocketmq-upgrade:kubernetes\.storage\.broker = "500GB": must be a Kubernetes quantity/,
            );
            assert.doesNotMatch(r.output, /kubernetes:apps\/v1:StatefulSet/);
        } finally {
            mustProd(dir, "config", "set", "--path", "kubernetes.storage.broker", "500Gi");
        }
        assert.deepStrictEqual(manifests(out), snapshot);
    });

    it("renders isolated routing's green name servers and address server, and they validate", () => {
        mustProd(dir, "config", "set", "routing", "isolated");
        mustProd(dir, "up");
        const files = manifests(out);
        const names = [...files.keys()];
        assert.ok(names.includes("apps_v1-statefulset-rocketmq-green-namesrv.yaml"), names.join("\n"));
        assert.ok(names.includes("apps_v1-deployment-rocketmq-address-server.yaml"), names.join("\n"));
        const nginx = [...files].find(([f]) => f.includes("configmap-rocketmq-address-server-conf"))!;
        assert.match(nginx[1], /10% green;/);
        const r = validate(names.map((f) => path.join(out, "1-manifest", f)));
        assert.strictEqual(r.status, 0, `${r.stdout}\n${r.stderr}`);
    });
});
