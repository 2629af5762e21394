/**
 * The real pulumi CLI (local file backend) driving this project's local stack
 * through the same wrapper a user runs: `npm run pulumi -- ...`.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../../runtime/paths";
import { scratchDir } from "./support";

/** A copy of the project's tracked files, with node_modules linked, so tests never touch the real stack or its config. */
function copyProject(): string {
    const root = projectRoot();
    const dir = scratchDir("stack");
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: root,
        encoding: "utf8",
    })
        .split("\0")
        .filter(Boolean);
    for (const f of files) {
        if (!fs.existsSync(path.join(root, f))) {
            continue; // deleted in the work tree but not yet committed
        }
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(root, f), path.join(dir, f));
        fs.chmodSync(path.join(dir, f), fs.statSync(path.join(root, f)).mode);
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

interface Run {
    status: number;
    output: string;
}

function pulumi(dir: string, ...args: string[]): Run {
    const r = spawnSync("bash", [path.join(dir, "scripts", "pulumi.sh"), ...args], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" },
        timeout: 600_000,
    });
    return { status: r.status ?? -1, output: `${r.stdout}\n${r.stderr}` };
}

function mustPulumi(dir: string, ...args: string[]): string {
    const r = pulumi(dir, ...args);
    assert.strictEqual(r.status, 0, `pulumi ${args.join(" ")} failed:\n${r.output}`);
    return r.output;
}

interface StackResource {
    urn: string;
    type: string;
    outputs?: Record<string, unknown>;
}

function stackResources(dir: string): StackResource[] {
    const exported = JSON.parse(mustPulumi(dir, "stack", "export").replace(/^[^{]*/, "")) as {
        deployment: { resources?: StackResource[] };
    };
    return exported.deployment.resources ?? [];
}

describe("the local stack through the real pulumi CLI", () => {
    let dir: string;

    before(() => {
        dir = copyProject();
        // The default passphrase applies to the local stack only; clear any ambient one.
        delete process.env.PULUMI_CONFIG_PASSPHRASE;
    });

    after(() => {
        if (dir) {
            pulumi(dir, "destroy");
        }
    });

    it("runs the pinned CLI version", () => {
        assert.match(mustPulumi(dir, "version"), /^v3\.248\.0$/m);
    });

    it("creates the stack's resources with `up`, served by the rocketmq provider plugin", () => {
        const out = mustPulumi(dir, "up");
        assert.match(out, /rocketmq:local:Runtime\s+blue-runtime\s+created/);
        const resources = stackResources(dir);
        const provider = resources.find((r) => r.type === "pulumi:providers:rocketmq");
        assert.ok(provider, `no rocketmq provider in state: ${resources.map((r) => r.type).join(", ")}`);
        const blue = resources.find((r) => r.urn.endsWith("::blue-runtime"));
        assert.strictEqual(blue?.outputs?.version, "4.9.7");
        assert.ok(fs.existsSync(path.join(String(blue?.outputs?.home), "classpath.txt")));
    });

    it("reports no changes on a second `up`", () => {
        mustPulumi(dir, "up");
        const history = JSON.parse(mustPulumi(dir, "stack", "history", "--json").replace(/^[^[]*/, "")) as Array<{
            resourceChanges?: Record<string, number>;
        }>;
        const latest = history[0].resourceChanges ?? {};
        assert.deepStrictEqual(
            Object.keys(latest).filter((k) => k !== "same"),
            [],
            `second up changed something: ${JSON.stringify(latest)}`,
        );
    });

    it("refuses an out-of-range weight at preview, naming key, value and range, and touches nothing", () => {
        const before = JSON.stringify(stackResources(dir));
        mustPulumi(dir, "config", "set", "trafficWeight", "150");
        const r = pulumi(dir, "preview");
        assert.notStrictEqual(r.status, 0);
        assert.match(r.output, /rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100/);
        const up = pulumi(dir, "up");
        assert.notStrictEqual(up.status, 0);
        assert.strictEqual(JSON.stringify(stackResources(dir)), before);
        mustPulumi(dir, "config", "set", "trafficWeight", "0");
    });

    it("refuses a malformed value in Pulumi.local.yaml, naming the key", () => {
        const file = path.join(dir, "Pulumi.local.yaml");
        const original = fs.readFileSync(file, "utf8");
        fs.writeFileSync(file, original.replace("version: 4.9.7", "version: 4.9"));
        try {
            const r = pulumi(dir, "preview");
            assert.notStrictEqual(r.status, 0);
            assert.match(r.output, /rocketmq-upgrade:blue\.version = 4\.9: must be a released RocketMQ version/);
        } finally {
            fs.writeFileSync(file, original);
        }
    });

    it("fails at preview, naming the version, when Maven Central does not serve it", () => {
        const file = path.join(dir, "Pulumi.local.yaml");
        const original = fs.readFileSync(file, "utf8");
        fs.writeFileSync(file, original.replace("version: 4.9.7", "version: 4.9.8"));
        try {
            const r = pulumi(dir, "preview");
            assert.notStrictEqual(r.status, 0);
            assert.match(r.output, /RocketMQ 4\.9\.8 is not served by Maven Central/);
        } finally {
            fs.writeFileSync(file, original);
        }
        // Back on 4.9.7, the stack converges again.
        mustPulumi(dir, "up");
    });

    it("removes every resource with `destroy`", () => {
        mustPulumi(dir, "destroy");
        assert.deepStrictEqual(
            stackResources(dir).map((r) => r.type),
            [],
        );
    });
});
