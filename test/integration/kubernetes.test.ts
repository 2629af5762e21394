/**
 * The prod stack (Pulumi.prod.yaml) through the real pulumi CLI and the real
 * kubernetes provider plugin in render mode (renderYamlToDirectory): every
 * object is written as a manifest, with no cluster, and each manifest is
 * validated against the Kubernetes OpenAPI schemas by kubernetes-validate.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isDeepStrictEqual } from "util";
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

/**
 * Every file under the render directory, path → content hash, size and mtime: a rewrite with the same
 * bytes still moves the mtime, so "nothing rewritten" means nothing written at all.
 */
function renderedFiles(root: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = path.join(rel, entry.name);
            if (entry.isDirectory()) {
                walk(child);
            } else {
                const full = path.join(root, child);
                const stat = fs.statSync(full);
                const hash = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
                out[child] = `sha256:${hash} size:${stat.size} mtime:${stat.mtimeMs}`;
            }
        }
    };
    walk(".");
    return out;
}

/** The prod stack's resources as its state holds them (inputs, outputs, created/modified times), by URN. */
function resources(dir: string): Record<string, unknown> {
    const exported = JSON.parse(mustProd(dir, "stack", "export").replace(/^[^{]*/, "")) as {
        deployment: { resources?: Array<{ urn: string }> };
    };
    return Object.fromEntries((exported.deployment.resources ?? []).map((r) => [r.urn, r]));
}

/** The keys added, removed or changed between two snapshots, each marked +, - or ~. */
function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
        if (!(k in before)) {
            return [`+ ${k}`];
        }
        if (!(k in after)) {
            return [`- ${k}`];
        }
        return isDeepStrictEqual(before[k], after[k]) ? [] : [`~ ${k}`];
    });
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

    it("refuses at `up` a green broker heap its memory limit cannot hold, rewriting no manifest and no resource", () => {
        // The manifests of the earlier `up`s exist: were the heap let through, this `up` would rewrite green's
        // broker StatefulSets (their -Xmx), so both the files and the stack's state would show it.
        const filesBefore = renderedFiles(out);
        const resourcesBefore = resources(dir);
        mustProd(dir, "config", "set", "--path", "green.heap.brokerMb", "13000");
        let r: Run;
        try {
            r = prod(dir, "up");
        } finally {
            mustProd(dir, "config", "set", "--path", "green.heap.brokerMb", "8192");
        }
        const written = changedKeys(filesBefore, renderedFiles(out));
        assert.deepStrictEqual(written, [], `the refused \`up\` wrote under ${out}:\n${written.join("\n")}`);
        const changed = changedKeys(resourcesBefore, resources(dir));
        assert.deepStrictEqual(changed, [], `the refused \`up\` changed the stack's resources:\n${changed.join("\n")}`);
        assert.notStrictEqual(r.status, 0, r.output);
        assert.match(
            r.output,
            /rocketmq-upgrade:green\.heap\.brokerMb = 13000: must be at most 12288 \(75% of kubernetes\.resources\.broker\.limits\.memory = "16Gi"\)/,
        );
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
