/**
 * The scripts of a rolling upgrade's Jobs: the preflight before the roll
 * starts, and around each broker's StatefulSet restart its turn (the seed's
 * hand-over, so no write is lost) and the check after it (so the roll goes on
 * only with the broker serving its new release).
 */
import type { BrokerPlan, ClusterPlan } from "../../../../domain/clusterPlan";
import type { RollSettings } from "../../../../domain/rollSettings";
import { versionLabel } from "../../../../domain/mqadminOutput";
import { COMMITLOG_OFFSET_FN, prelude, registeredChecks, replicationChecks, sh } from "./scriptPrelude";

export interface RollPreflightScriptArgs {
    plan: ClusterPlan;
    maxLagBytes: number;
}

/** Before a roll: every broker registered and every slave within `maxLagBytes` of its master, checked once. */
export function rollPreflightScript(a: RollPreflightScriptArgs): string {
    const ns = sh(a.plan.nameServerList);
    return [
        ...prelude(`roll preflight of ${a.plan.clusterName}`),
        ...registeredChecks(a.plan, ns),
        ...replicationChecks(a.plan, ns, a.maxLagBytes, 1),
        `say "${a.plan.clusterName} may roll: every slave within ${a.maxLagBytes} bytes"`,
        "",
    ].join("\n");
}

export interface RollTurnScriptArgs {
    plan: ClusterPlan;
    broker: BrokerPlan;
    /** The release the broker's StatefulSet is about to run. */
    targetVersion: string;
    settings: RollSettings;
}

/** The release a broker reports in `clusterList` (V4_9_7), empty while it is not registered. */
function reportedReleaseFn(ns: string): string {
    return [
        "reported_release() {",
        `  listing=$(admin clusterList -n ${ns}) || exit 1`,
        `  printf '%s\\n' "$listing" | awk -v addr="$1" '$4 == addr && $5 ~ /^V[0-9]/ { print $5 }'`,
        "}",
    ].join("\n");
}

/**
 * The seed's turn of one broker before its StatefulSet restarts it, run by
 * the rolling strategy on Kubernetes. A broker that is not registered (being
 * created) or already reports the target release has nothing to hand over. A
 * master first has every slave within `maxLagBytes`, then loses its write
 * permission (broker and name-server routes), waits for producers to leave
 * and for every slave to hold everything it holds; a failure gives the
 * permission back and fails the Job, so the StatefulSet is never touched.
 */
export function rollTurnScript(a: RollTurnScriptArgs): string {
    const ns = sh(a.plan.nameServerList);
    const b = a.broker;
    const target = versionLabel(a.targetVersion);
    const lines = [
        ...prelude(`roll turn of ${b.name} to ${a.targetVersion}`),
        reportedReleaseFn(ns),
        `release=$(reported_release ${sh(b.address)})`,
        `[ -n "$release" ] || { say "${b.name} is not registered: nothing to hand over"; exit 0; }`,
        `[ "$release" != ${sh(target)} ] || { say "${b.name} already runs ${a.targetVersion}"; exit 0; }`,
    ];
    if (b.brokerId !== 0) {
        lines.push(`say "${b.name} is a slave at $release: the restart takes no writes from anyone"`, "");
        return lines.join("\n");
    }
    const group = a.plan.brokers.filter((x) => x.brokerName === b.brokerName);
    lines.push(
        ...replicationChecks({ ...a.plan, brokers: group }, ns, a.settings.maxLagBytes, 1),
        "give_back() {",
        `  "$ROCKETMQ_HOME/bin/mqadmin" updateBrokerConfig -n ${ns} -b ${sh(b.address)} -k brokerPermission -v 6 >/dev/null 2>&1 || true`,
        `  "$ROCKETMQ_HOME/bin/mqadmin" addWritePerm -n ${ns} -b ${sh(b.brokerName)} >/dev/null 2>&1 || true`,
        "}",
        'trap \'status=$?; [ "$status" -eq 0 ] || { give_back; echo "write permission given back" >&2; }\' EXIT',
        `say "${b.name}: removing its write permission"`,
        `admin updateBrokerConfig -n ${ns} -b ${sh(b.address)} -k brokerPermission -v 4 > /dev/null`,
        `admin wipeWritePerm -n ${ns} -b ${sh(b.brokerName)} > /dev/null`,
        COMMITLOG_OFFSET_FN,
        `deadline=$(( $(date +%s) + ${a.settings.writeStopSeconds} ))`,
        `last=$(commitlog_offset ${ns} ${sh(b.address)}); quiet=$(date +%s)`,
        'while [ $(( $(date +%s) - quiet )) -lt 3 ] && [ "$(date +%s)" -lt "$deadline" ]; do',
        "  sleep 1",
        `  now=$(commitlog_offset ${ns} ${sh(b.address)})`,
        '  [ "$now" = "$last" ] || { last=$now; quiet=$(date +%s); }',
        "done",
        `say "${b.name}: producers left (offset $last)"`,
        ...replicationChecks({ ...a.plan, brokers: group }, ns, 0, a.settings.catchUpSeconds),
        `say "${b.name}: every slave holds everything; the StatefulSet may restart it"`,
        "",
    );
    return lines.join("\n");
}

export interface RollVerifyScriptArgs {
    plan: ClusterPlan;
    broker: BrokerPlan;
    targetVersion: string;
    /** How long the restarted broker gets to register with the target release. */
    waitSeconds: number;
}

/** After a broker's restart: it reports the target release, and a master takes writes again. */
export function rollVerifyScript(a: RollVerifyScriptArgs): string {
    const ns = sh(a.plan.nameServerList);
    const b = a.broker;
    const target = versionLabel(a.targetVersion);
    const lines = [
        ...prelude(`after the restart of ${b.name} on ${a.targetVersion}`),
        reportedReleaseFn(ns),
        `deadline=$(( $(date +%s) + ${a.waitSeconds} ))`,
        `until [ "$(reported_release ${sh(b.address)})" = ${sh(target)} ]; do`,
        `  [ "$(date +%s)" -lt "$deadline" ] || fail "${b.name} does not report ${target} ${a.waitSeconds} s after its restart"`,
        "  sleep 3",
        "done",
    ];
    if (b.brokerId === 0) {
        lines.push(
            `admin updateBrokerConfig -n ${ns} -b ${sh(b.address)} -k brokerPermission -v 6 > /dev/null`,
            `admin addWritePerm -n ${ns} -b ${sh(b.brokerName)} > /dev/null`,
        );
    }
    lines.push(`say "${b.name} runs ${a.targetVersion}${b.brokerId === 0 ? " and takes writes" : ""}"`, "");
    return lines.join("\n");
}
