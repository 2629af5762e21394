/**
 * The real pulumi CLI (local file backend) through the wrapper a user runs,
 * `npm run pulumi -- ...`: toolchain and config checks that need no cluster.
 * The cluster's own lifecycle is in cluster.test.ts.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { copyProject, mustPulumi, pulumi } from "./support";

describe("the pulumi wrapper and config checks at preview", () => {
    let dir: string;

    before(() => {
        dir = copyProject();
    });

    it("runs the pinned CLI version", () => {
        assert.match(mustPulumi(dir, "version"), /^v3\.248\.0$/m);
    });

    it("previews the blue cluster through the rocketmq provider plugin", () => {
        const out = mustPulumi(dir, "preview");
        assert.match(out, /\+\s+rocketmq:hosts:Process\s+blue-broker-a-1\s+create/);
        assert.match(out, /\+\s+rocketmq:hosts:Inventory\s+hosts\s+create/);
    });

    it("refuses an out-of-range weight at preview, naming key, value and range", () => {
        mustPulumi(dir, "config", "set", "trafficWeight", "150");
        try {
            const r = pulumi(dir, "preview");
            assert.notStrictEqual(r.status, 0);
            assert.match(r.output, /rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100/);
            assert.doesNotMatch(r.output, /rocketmq:hosts:Process/, "a resource was planned despite the bad config");
        } finally {
            mustPulumi(dir, "config", "set", "trafficWeight", "0");
        }
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
    });

    it("refuses at preview a broker.conf key the cluster's version does not know", () => {
        // A typo of sendMessageThreadPoolNums: RocketMQ itself would ignore it without a word.
        mustPulumi(dir, "config", "set", "--path", "blue.brokerConfig.sendMessageThreadPoolNum", "4");
        try {
            const r = pulumi(dir, "preview");
            assert.notStrictEqual(r.status, 0);
            assert.match(r.output, /broker\.conf key\(s\) sendMessageThreadPoolNum are not known to RocketMQ 4\.9\.7/);
        } finally {
            mustPulumi(dir, "config", "rm", "--path", "blue.brokerConfig");
        }
    });

    it("names what to install, in one line, when java, mvn or javac is missing", () => {
        // A PATH with bash and node, then with one more tool at each step: the next missing one is named.
        const bin = fs.mkdtempSync(path.join(dir, "bin-"));
        const link = (tool: string) =>
            fs.symlinkSync(
                execFileSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(),
                path.join(bin, tool),
            );
        const check = () =>
            spawnSync("bash", [path.join(dir, "scripts", "check-prereqs.sh")], {
                encoding: "utf8",
                env: { PATH: bin },
            });
        ["bash", "node", "npm", "sed", "head"].forEach(link);
        for (const [tool, expected] of [
            ["java", "install a JDK 17 or newer (apt-get install -y openjdk-17-jdk-headless)"],
            ["mvn", "install Maven 3.8 or newer (apt-get install -y maven)"],
            // A JRE alone (java without javac) is not enough: the tests compile their Java clients.
            ["javac", "install a JDK 17 or newer, not only a JRE (apt-get install -y openjdk-17-jdk-headless)"],
        ]) {
            const r = check();
            assert.strictEqual(r.status, 1);
            assert.strictEqual(r.stderr, `error: ${tool} not found: ${expected}\n`);
            link(tool);
        }
    });

    it("refuses a stack other than local without a passphrase", () => {
        const r = pulumi(dir, "preview", "--stack", "prod");
        assert.notStrictEqual(r.status, 0);
        assert.match(r.output, /stack 'prod' needs PULUMI_CONFIG_PASSPHRASE/);
    });

    // What an operator meets after an `up` was killed: the lock it left, named with its holder, and a way out.
    it("names a locked stack's holder and how to clear it; `npm run pulumi -- cancel` clears it", () => {
        const locks = path.join(
            dir,
            ".pulumi",
            "state",
            ".pulumi",
            "locks",
            "organization",
            "rocketmq-upgrade",
            "local",
        );
        fs.mkdirSync(locks, { recursive: true });
        const lock = path.join(locks, "0b8c2a8e-0000-4000-8000-000000000001.json");
        const hold = (pid: number) =>
            fs.writeFileSync(
                lock,
                JSON.stringify({ pid, username: "root", hostname: os.hostname(), timestamp: "2026-11-30T22:00:00Z" }),
            );
        try {
            // Held by a live process (this one): wait, do not cancel.
            hold(process.pid);
            const busy = pulumi(dir, "up");
            assert.notStrictEqual(busy.status, 0);
            assert.match(busy.output, /the stack is currently locked by 1 lock\(s\)/);
            assert.match(busy.output, new RegExp(`held by pid ${process.pid} on .*, which is still running: wait`));

            // Left by a process that is gone: an interrupted run, and the command that clears it.
            const gone = spawnSync("true").pid!;
            hold(gone);
            const stale = pulumi(dir, "up");
            assert.notStrictEqual(stale.status, 0);
            assert.match(stale.output, new RegExp(`left by pid ${gone} on .*, which is no longer running`));
            assert.match(stale.output, /Clear it with `npm run pulumi -- cancel --stack local`/);
            mustPulumi(dir, "cancel", "--stack", "local");
            assert.deepStrictEqual(fs.readdirSync(locks), []);
            assert.match(mustPulumi(dir, "preview"), /rocketmq:hosts:Process\s+blue-broker-a-0\s+create/);
        } finally {
            fs.rmSync(lock, { force: true });
        }
    });
});
