/**
 * Canary stage arithmetic: which weight comes next, and which weight changes
 * are moves a careful operator makes. Pure; the Traffic resource's check and
 * the promote script both use it.
 */

/** Green's share of writes, in percent: the one range the config schema and the traffic resources check. */
export const WEIGHT_RANGE = { min: 0, max: 100 } as const;

/** The stage after `weight`, or undefined at (or past) the last stage. */
export function nextStage(weight: number, stages: readonly number[]): number | undefined {
    return stages.find((s) => s > weight);
}

/**
 * Why moving the weight from `from` to `to` is refused, or undefined when it
 * is a normal move: staying put, the next stage, or 0 (a rollback). Skipping
 * stages and lowering to anything but 0 need `forced`.
 */
export function weightChangeProblem(
    from: number | undefined,
    to: number,
    stages: readonly number[],
    forced: boolean,
): string | undefined {
    if (from === undefined || from === to || to === 0 || forced) {
        return undefined;
    }
    const force =
        "set ROCKETMQ_UPGRADE_FORCE_WEIGHT=1 for one `pulumi up` (or `npm run promote -- --force`) to do it anyway";
    if (to < from) {
        return (
            `trafficWeight = ${to}: lower than the current ${from}; a move back is a rollback: ` +
            `run \`npm run rollback\` (or set trafficWeight to 0), or ${force}`
        );
    }
    const next = nextStage(from, stages);
    if (to !== next) {
        return (
            `trafficWeight = ${to}: skips stages; the next stage after ${from} is ${next ?? "none (already at the last)"} ` +
            `of canaryStages [${stages.join(", ")}]; ${force}`
        );
    }
    return undefined;
}

/** Seconds still to wait before the stage applied at `appliedAt` has soaked for `minSoakSeconds`. */
export function soakRemaining(appliedAt: Date, minSoakSeconds: number, now: Date): number {
    return Math.max(0, Math.ceil(minSoakSeconds - (now.getTime() - appliedAt.getTime()) / 1000));
}
