/**
 * What the scripts of the seed's Kubernetes Jobs share. Each operation
 * (backup, verification, the weight → queue moves, drain and roll checks, the
 * isolated metadata sync) is a POSIX shell script around `mqadmin`, run by a
 * Job in the official RocketMQ image; its file under jobs/ is named for the
 * Job. Pure: a script is a function of the plan, so tests read exactly what a
 * Job will run. Every script stops at the first failed check (`set -eu`, and
 * an explicit `fail` naming what was found), so the Job fails and Pulumi stops
 * every resource that waits for it.
 */
import type { BrokerPlan, ClusterPlan } from "../../../../domain/clusterPlan";
import { MQADMIN_FAILURE_PATTERNS } from "../../../../domain/mqadminOutput";

/** Single-quotes a value for sh. */
export function sh(value: string | number): string {
    return `'${String(value).replace(/'/g, `'"'"'`)}'`;
}

/** What every script starts with: strict mode, the admin tool, a failure helper. */
export function prelude(title: string): string[] {
    const failures = sh(MQADMIN_FAILURE_PATTERNS.join("|"));
    return [
        "#!/bin/sh",
        `# ${title}`,
        "set -eu",
        'fail() { echo "FAILED: $*" >&2; exit 1; }',
        'say() { echo "[$(date -u +%H:%M:%S)] $*"; }',
        "# mqadmin often prints its failure and exits 0: its output decides. Callers capture it",
        "# (x=$(admin ...)) rather than pipe it, so a failure stops the script under set -e.",
        "admin() {",
        `  out=$("$ROCKETMQ_HOME/bin/mqadmin" "$@" 2>&1) || { printf '%s\\n' "$out" >&2; fail "mqadmin $1 exited with an error"; }`,
        `  if printf '%s\\n' "$out" | grep -qiE ${failures}; then`,
        `    printf '%s\\n' "$out" >&2; fail "mqadmin $1: $(printf '%s\\n' "$out" | grep -iE ${failures} | head -n 1)"`,
        "  fi",
        `  printf '%s\\n' "$out"`,
        "}",
    ];
}

/** The broker's commit-log max offset, from `mqadmin brokerStatus` ("key : value" lines). */
export const COMMITLOG_OFFSET_FN = [
    "commitlog_offset() {",
    '  status=$(admin brokerStatus -n "$1" -b "$2") || exit 1',
    `  printf '%s\\n' "$status" | sed -n 's/^commitLogMaxOffset[[:space:]]*:[[:space:]]*//p' | tr -d '[:space:]'`,
    "}",
].join("\n");

/**
 * Fails unless every broker of the plan shows up in `clusterList` at its address. Whole words only: host:1
 * must not be found inside host:10911, nor blue-a inside blue-ab.
 */
export function registeredChecks(plan: ClusterPlan, ns: string): string[] {
    return [
        `say "checking that every broker of ${plan.clusterName} is registered"`,
        `listing=$(admin clusterList -n ${ns})`,
        ...plan.brokers.map(
            (b) =>
                `echo "$listing" | grep -wF ${sh(b.brokerName)} | grep -qwF ${sh(b.address)} || fail ${sh(
                    `${b.name} (${b.brokerName}, id ${b.brokerId}) is not registered at ${b.address}`,
                )}`,
        ),
    ];
}

/** Waits up to `waitSeconds` for every slave to be within `maxLagBytes` of its master; fails naming the slave. */
export function replicationChecks(plan: ClusterPlan, ns: string, maxLagBytes: number, waitSeconds: number): string[] {
    const lines: string[] = [COMMITLOG_OFFSET_FN];
    const masters = new Map(plan.brokers.filter((b) => b.brokerId === 0).map((b) => [b.brokerName, b]));
    for (const slave of plan.brokers.filter((b) => b.brokerId > 0)) {
        const master = masters.get(slave.brokerName)!;
        lines.push(
            `deadline=$(( $(date +%s) + ${waitSeconds} ))`,
            "while :; do",
            `  m=$(commitlog_offset ${ns} ${sh(master.address)}); s=$(commitlog_offset ${ns} ${sh(slave.address)})`,
            `  [ -n "$m" ] && [ -n "$s" ] || fail ${sh(`no commit-log offset from ${master.name} or ${slave.name}`)}`,
            `  lag=$(( m - s ))`,
            `  [ "$lag" -le ${maxLagBytes} ] && break`,
            `  [ "$(date +%s)" -lt "$deadline" ] || fail "${slave.name} is $lag bytes behind ${master.name} (allowed ${maxLagBytes}) after ${waitSeconds} s"`,
            "  sleep 2",
            "done",
            `say "${slave.name}: $lag bytes behind ${master.name}"`,
        );
    }
    return lines;
}

export function masters(plan: ClusterPlan): BrokerPlan[] {
    return plan.brokers.filter((b) => b.brokerId === 0);
}

export function masterAddresses(plan: ClusterPlan): string[] {
    return masters(plan).map((b) => b.address);
}
