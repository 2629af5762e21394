/**
 * What `npm run promote` and `npm run rollback` spend outside their `pulumi up`: reading the stack's config and
 * outputs, the rollout status through the admin session before and after, and the config change. On the local
 * stack (blue 4.9.7 and green 5.5.0, 2M-2S each, shared routing, no baseline, no soak), idle.
 * Each round promotes 0 → 10 and rolls back to 0; the `up` time is what each command prints for its `up`.
 * Prints medians over ROUNDS, every observation in brackets.
 *
 * Usage: node -r ts-node/register/transpile-only bench/rolloutCommands.ts [ROUNDS=5]
 */
import { copyProject, isolateStack, mustPulumi, pulumi, rollout } from "../test/integration/support";
import { median } from "./observations";

const fmt = (xs: number[]) => `${median(xs).toFixed(1)} s (${xs.map((x) => x.toFixed(1)).join(", ")})`;

/** Runs one command; its wall time, and the `up` time it printed. */
function timedCommand(dir: string, args: string[], printed: RegExp): { wall: number; up: number } {
    const began = Date.now();
    const run = rollout(dir, ...args);
    const wall = (Date.now() - began) / 1000;
    const up = printed.exec(run.output);
    if (run.status !== 0 || !up) {
        throw new Error(`${args.join(" ")} failed:\n${run.output}`);
    }
    return { wall, up: Number(up[1]) };
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 5);
    const dir = copyProject();
    await isolateStack(dir, { green: true, timings: "production" });
    for (const [key, value] of [
        ["backup.baselineSeconds", "0"],
        ["promotion.minSoakSeconds", "0"],
    ]) {
        mustPulumi(dir, "config", "set", "--path", key, value);
    }
    const promote = { wall: [] as number[], outside: [] as number[] };
    const rollback = { wall: [] as number[], outside: [] as number[] };
    try {
        mustPulumi(dir, "up");
        for (let i = 0; i < rounds; i++) {
            const p = timedCommand(dir, ["promote"], /stage 10 applied in ([\d.]+)s/);
            promote.wall.push(p.wall);
            promote.outside.push(p.wall - p.up);
            const r = timedCommand(dir, ["rollback"], /rolled back in ([\d.]+)s/);
            rollback.wall.push(r.wall);
            rollback.outside.push(r.wall - r.up);
        }
    } finally {
        pulumi(dir, "destroy");
    }
    console.log("| command | wall | outside its `up` | runs | goal |");
    console.log("| --- | --- | --- | --- | --- |");
    console.log(`| npm run promote (0 → 10) | ${fmt(promote.wall)} | ${fmt(promote.outside)} | ${rounds} | < 5 s |`);
    console.log(`| npm run rollback (10 → 0) | ${fmt(rollback.wall)} | ${fmt(rollback.outside)} | ${rounds} | < 5 s |`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
