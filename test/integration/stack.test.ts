/**
 * The real pulumi CLI (local file backend) through the wrapper a user runs,
 * `npm run pulumi -- ...`: toolchain and config checks that need no cluster.
 * The cluster's own lifecycle is in cluster.test.ts.
 */
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
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
        assert.match(out, /\+\s+rocketmq:local:Process\s+blue-broker-a-1\s+create/);
        assert.match(out, /\+\s+rocketmq:local:Runtime\s+blue-runtime\s+create/);
    });

    it("refuses an out-of-range weight at preview, naming key, value and range", () => {
        mustPulumi(dir, "config", "set", "trafficWeight", "150");
        try {
            const r = pulumi(dir, "preview");
            assert.notStrictEqual(r.status, 0);
            assert.match(r.output, /rocketmq-upgrade:trafficWeight = 150: must be an integer from 0 to 100/);
            assert.doesNotMatch(r.output, /rocketmq:local:Process/, "a resource was planned despite the bad config");
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
});
