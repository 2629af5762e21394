/**
 * Isolated routing's rollback speed on the local stack (blue 4.9.7 and green
 * 5.5.0, 2M-2S each, each on its own name servers, nginx address server),
 * through the real CLI: each round forces the weight to 50, then times
 * `npm run rollback` from its start until the address server answers blue
 * for every one of 1,000 client identities (asked over and over while the
 * rollback runs). Also the command's own duration. Clients then move at
 * their next poll (RocketMQ's fixed 2 minutes) plus a route refresh; that
 * part is the client's and is measured by test/integration/isolated.test.ts.
 *
 * Usage: node -r ts-node/register/transpile-only bench/isolatedRollback.ts [ROUNDS=3]
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { httpGet } from "../operations/nginxAddressServer";
import { copyProject, freePortBlock, isolateStack, mustPulumi, rollout } from "../test/integration/support";
import { median } from "./observations";

const FLEET = Array.from({ length: 1000 }, (_, i) => `fleet-${i}`);

/** Clients (of FLEET) the address server does not answer blue, asked 50 at a time. */
async function notBlue(port: number): Promise<number> {
    let count = 0;
    for (let i = 0; i < FLEET.length; i += 50) {
        const answers = await Promise.all(
            FLEET.slice(i, i + 50).map((id) =>
                httpGet("127.0.0.1", port, `/rocketmq-upgrade/colour/${id}`).catch(() => "no answer"),
            ),
        );
        count += answers.filter((a) => a !== "blue").length;
    }
    return count;
}

/** Runs `npm run rollback` of the copied project; resolves with the seconds from start to exit. */
function rollback(dir: string): Promise<number> {
    const began = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(
            "node",
            ["--require", "ts-node/register/transpile-only", path.join(dir, "scripts", "rollout.ts"), "rollback"],
            { cwd: dir, stdio: "ignore", env: { ...process.env, PULUMI_CONFIG_PASSPHRASE: "" } },
        );
        child.on("exit", (code) =>
            code === 0 ? resolve((Date.now() - began) / 1000) : reject(new Error(`rollback exited ${code}`)),
        );
    });
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const dir = copyProject();
    await isolateStack(dir, { green: true, timings: "production" });
    const port = await freePortBlock(1);
    for (const [key, value] of [
        ["routing", "isolated"],
        ["nameServer.greenBasePort", String(await freePortBlock(5))],
        ["addressServer.port", String(port)],
        ["backup.baselineSeconds", "0"],
        ["verification.replicationWaitSeconds", "10"],
        ["verification.consumerSampleSeconds", "2"],
        ["promotion.minSoakSeconds", "0"],
    ]) {
        mustPulumi(dir, "config", "set", "--path", key, value);
    }
    const toBlue: number[] = [];
    const command: number[] = [];
    try {
        mustPulumi(dir, "up");
        for (let i = 0; i < rounds; i++) {
            const r = rollout(dir, "promote", "--to", "50", "--force");
            if (r.status !== 0) {
                throw new Error(r.output);
            }
            if ((await notBlue(port)) === 0) {
                throw new Error("at 50 % no client is answered green: nothing to roll back");
            }
            const began = Date.now();
            const done = rollback(dir);
            let allBlueAt = 0;
            while (allBlueAt === 0) {
                if ((await notBlue(port)) === 0) {
                    allBlueAt = Date.now();
                }
            }
            command.push(await done);
            toBlue.push((allBlueAt - began) / 1000);
            console.error(
                `round ${i + 1}: every client answered blue ${toBlue[i].toFixed(1)}s after the rollback began; ` +
                    `command ${command[i].toFixed(1)}s`,
            );
        }
    } finally {
        mustPulumi(dir, "destroy");
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const fmt = (xs: number[]) => `${median(xs).toFixed(1)} s (${xs.map((x) => x.toFixed(1)).join(", ")})`;
    console.log(`rounds: ${rounds}`);
    console.log("| rollback start → address server answers blue to all 1,000 clients | `npm run rollback` |");
    console.log("| --- | --- |");
    console.log(`| ${fmt(toBlue)} | ${fmt(command)} |`);
    console.log(`goal < 15 s: ratio ${(median(toBlue) / 15).toFixed(2)}`);
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
