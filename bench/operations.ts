/**
 * Duration of a backup (with its baseline benchmark) and of a verification
 * pass on the 2M-2S blue cluster, and the baseline TPS and latency, through
 * the real CLI, blue alone on its name servers. Each round runs
 * `up --replace` on the backup and the verification (how an operator forces
 * fresh ones); the CLI reports each resource's own duration ("created (12s)").
 *
 * Usage: node -r ts-node/register/transpile-only bench/operations.ts [ROUNDS=3]
 */
import * as fs from "fs";
import { copyProject, isolateStack, mustPulumi, stackOutputs, urnOf } from "../test/integration/support";
import { median } from "./observations";

function seconds(output: string, resource: string): number {
    const m = new RegExp(`${resource}\\s+(?:created(?: replacement)?|updated) \\((\\d+)s\\)`).exec(output);
    if (!m) {
        throw new Error(`no duration for ${resource} in:\n${output}`);
    }
    return Number(m[1]);
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 3);
    const dir = copyProject();
    await isolateStack(dir, { green: false, timings: "production" });
    const backups: number[] = [];
    const checks: number[] = [];
    const tps: number[] = [];
    const rt: number[] = [];
    try {
        mustPulumi(dir, "up");
        for (let i = 0; i < rounds; i++) {
            const out = mustPulumi(
                dir,
                "up",
                "--replace",
                urnOf(dir, "rocketmq:local:Backup", "blue-backup"),
                "--replace",
                urnOf(dir, "rocketmq:local:Verification", "blue-checks"),
            );
            backups.push(seconds(out, "blue-backup"));
            checks.push(seconds(out, "blue-checks"));
            const baseline = stackOutputs(dir).blueBaseline as { tps: number; avgRtMs: number };
            tps.push(baseline.tps);
            rt.push(baseline.avgRtMs);
            console.error(
                `round ${i + 1}: backup ${backups[i]}s, verification ${checks[i]}s, baseline ${baseline.tps} TPS, ${baseline.avgRtMs} ms`,
            );
        }
    } finally {
        mustPulumi(dir, "destroy");
        fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`rounds: ${rounds}`);
    console.log(
        "| backup incl. baseline (s) | verification incl. benchmark (s) | baseline TPS | baseline avg RT (ms) |",
    );
    console.log("| --- | --- | --- | --- |");
    console.log(
        `| ${median(backups)} (${backups.join(", ")}) | ${median(checks)} (${checks.join(", ")}) | ${median(tps)} (${tps.join(", ")}) | ${median(rt)} (${rt.join(", ")}) |`,
    );
}

main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
