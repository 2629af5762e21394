/**
 * What `npm run pulumi -- up` prints when the CLI itself fails
 * (scripts/stack.ts): the CLI's own message, and for a locked stack who
 * holds the lock and the safe way to clear it.
 */
import * as assert from "assert";
import { cliStderr, definedOutputs, describeCliFailure, parseArgs, shownOutputs } from "../../scripts/stack";

const LOCKED =
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
    "  file:///p/.pulumi/state/.pulumi/locks/organization/rocketmq-upgrade/local/0b8c.json?no_tmp_dir=true: created by root@laptop (pid 4242) at 2026-11-30T22:00:00Z\n";

describe("the wrapper's message for a failed CLI run", () => {
    it("takes the CLI's stderr out of the automation API's error", () => {
        const message = `code: 255\n stdout: Updating (local):\n\n stderr: ${LOCKED}\n err?: Error: exit 255\n`;
        assert.strictEqual(cliStderr(message), LOCKED.trim());
    });

    it("names a lock left by a process that is gone, and how to clear it and finish", () => {
        const text = describeCliFailure(LOCKED, "local", { host: "laptop", isRunning: () => false });
        assert.ok(text.startsWith("error: the stack is currently locked by 1 lock(s)."), text);
        assert.match(text, /created by root@laptop \(pid 4242\)/);
        assert.match(
            text,
            /The lock on stack "local" was left by pid 4242 on laptop \(since 2026-11-30T22:00:00Z\), which is no longer running: an interrupted run\. Clear it with `npm run pulumi -- cancel --stack local`, then run `npm run pulumi -- up --stack local` again/,
        );
    });

    it("tells the user to wait, not cancel, while the holder still runs", () => {
        const text = describeCliFailure(LOCKED, "local", { host: "laptop", isRunning: (pid) => pid === 4242 });
        assert.match(text, /held by pid 4242 on laptop .*, which is still running: wait for it to end/);
        assert.doesNotMatch(text, /Clear it/);
    });

    it("cannot tell for a lock taken on another host, and says what to check first", () => {
        const text = describeCliFailure(LOCKED, "prod", { host: "ci-runner", isRunning: () => false });
        assert.match(text, /taken by pid 4242 on laptop .*, another host: make sure no run is going on there/);
        assert.match(text, /npm run pulumi -- cancel --stack prod/);
    });

    it("prints any other CLI error as the CLI wrote it, and a pointer when it wrote nothing", () => {
        assert.strictEqual(
            describeCliFailure("error: unknown flag: --frobnicate\n", "local", { host: "h", isRunning: () => false }),
            "error: unknown flag: --frobnicate",
        );
        assert.strictEqual(
            describeCliFailure("", "local", { host: "h", isRunning: () => false }),
            "the pulumi command failed (diagnostics above)",
        );
    });
});

describe("the program's stack outputs", () => {
    it("leaves out what a strategy or routing does not use, and keeps falsy values", () => {
        assert.deepStrictEqual(
            definedOutputs({
                nameServers: "127.0.0.1:9876",
                greenNameServers: undefined,
                trafficWeight: 0,
                blueRetired: false,
            }),
            { nameServers: "127.0.0.1:9876", trafficWeight: 0, blueRetired: false },
        );
    });

    it("hands an `up`'s outputs to its caller with secret values hidden, as `pulumi stack output --json` shows them", () => {
        assert.deepStrictEqual(
            shownOutputs({
                trafficWeight: { value: 10, secret: false },
                aclSecretKey: { value: "s3cr3t", secret: true },
            }),
            { trafficWeight: 10, aclSecretKey: "[secret]" },
        );
    });
});

describe("the wrapper's arguments", () => {
    it("sets config values before an `up`, as the CLI's --config does", () => {
        assert.deepStrictEqual(parseArgs(["up", "--config", "trafficWeight=30", "-c", "a.b=x=y"]).config, [
            ["trafficWeight", "30"],
            ["a.b", "x=y"],
        ]);
    });

    it("refuses --config without a key, and on operations that take no config", () => {
        assert.throws(() => parseArgs(["up", "--config", "=30"]), /--config takes KEY=VALUE, got "=30"/);
        assert.throws(() => parseArgs(["up", "--config"]), /--config takes KEY=VALUE, got ""/);
        assert.throws(() => parseArgs(["destroy", "--config", "a=1"]), /unknown option "--config" for destroy/);
    });
});
