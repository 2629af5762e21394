/**
 * The seed's operations (backup, verification, the weight → queue moves,
 * drain and roll checks, the isolated metadata sync) as POSIX shell scripts
 * around `mqadmin`, run by Kubernetes Jobs in the official RocketMQ image.
 * Pure: a script is a function of the plan, so tests read exactly what a Job
 * will run. Every script stops at the first failed check (`set -eu`, and an
 * explicit `fail` naming what was found), so the Job fails and Pulumi stops
 * every resource that waits for it.
 */
import type { BrokerPlan, ClusterPlan } from "../../../domain/clusterPlan";
import type { RollSettings } from "../../../domain/rollSettings";
import {
    PERM_READ_WRITE,
    SYSTEM_GROUP_PREFIXES,
    SYSTEM_GROUPS,
    type TopicWrite,
    type TrafficPlan,
} from "../../../domain/trafficPlan";
import { MQADMIN_FAILURE_PATTERNS, versionLabel } from "../../../domain/mqadminOutput";
import { DLQ_PREFIX, SCHEDULE_TOPIC, strandedAdvice, type StrandedSettings } from "../../../domain/heldMessages";
import { PATHS } from "./kubernetesObjects";

/** An extended regex matching RocketMQ's own consumer groups (never drained or copied). */
const SYSTEM_GROUP_PATTERN = [...SYSTEM_GROUP_PREFIXES.map((p) => `^${p}`), ...SYSTEM_GROUPS.map((g) => `^${g}$`)].join(
    "|",
);

/** Single-quotes a value for sh. */
export function sh(value: string | number): string {
    return `'${String(value).replace(/'/g, `'"'"'`)}'`;
}

/** What every script starts with: strict mode, the admin tool, a failure helper. */
function prelude(title: string): string[] {
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
const COMMITLOG_OFFSET_FN = [
    "commitlog_offset() {",
    '  status=$(admin brokerStatus -n "$1" -b "$2") || exit 1',
    `  printf '%s\\n' "$status" | sed -n 's/^commitLogMaxOffset[[:space:]]*:[[:space:]]*//p' | tr -d '[:space:]'`,
    "}",
].join("\n");

/**
 * Fails unless every broker of the plan shows up in `clusterList` at its address. Whole words only: host:1
 * must not be found inside host:10911, nor blue-a inside blue-ab.
 */
function registeredChecks(plan: ClusterPlan, ns: string): string[] {
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
function replicationChecks(plan: ClusterPlan, ns: string, maxLagBytes: number, waitSeconds: number): string[] {
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

export interface BackupScriptArgs {
    plan: ClusterPlan;
    retentionDays: number;
    /** Where the backup claim is mounted. */
    backupRoot?: string;
}

/**
 * The seed's pre-change backup: the cluster listing, every broker's runtime
 * config, the topic and subscription-group metadata and consumer progress,
 * with a checksum list, under /backups/<cluster>-<UTC time>; backups older
 * than the retention are removed.
 */
export function backupScript(a: BackupScriptArgs): string {
    const { plan } = a;
    const ns = sh(plan.nameServerList);
    const masters = plan.brokers.filter((b) => b.brokerId === 0);
    const root = a.backupRoot ?? PATHS.backups;
    return [
        ...prelude(`backup of ${plan.clusterName}`),
        `dir=${root}/${plan.clusterName}-$(date -u +%Y%m%dT%H%M%SZ)`,
        'mkdir -p "$dir"',
        ...registeredChecks(plan, ns),
        'echo "$listing" > "$dir/clusterList.txt"',
        `admin topicList -n ${ns} -c > "$dir/topicList.txt"`,
        ...plan.brokers.map((b) => `admin getBrokerConfig -n ${ns} -b ${sh(b.address)} > "$dir/${b.name}.conf"`),
        `admin exportMetadata -n ${ns} -c ${sh(plan.clusterName)} -f "$dir"`,
        ...masters.map((b) => `admin brokerStatus -n ${ns} -b ${sh(b.address)} > "$dir/${b.name}.status"`),
        `admin consumerProgress -n ${ns} > "$dir/consumerProgress.txt" || true`,
        '(cd "$dir" && sha256sum * > SHA256SUMS)',
        `find ${root} -mindepth 1 -maxdepth 1 -type d -name ${sh(`${plan.clusterName}-*`)} -mtime +${a.retentionDays} -exec rm -rf {} +`,
        // The upload step (when an S3 target is set) finds the backup through this file.
        `printf '%s\\n' "$dir" > ${root}/.latest-${plan.clusterName}`,
        'say "backup written to $dir"',
        "",
    ].join("\n");
}

export interface VerificationScriptArgs {
    plan: ClusterPlan;
    maxReplicationLagBytes: number;
    replicationWaitSeconds: number;
}

/** The seed's verification: every broker registered at its address, every slave caught up with its master. */
export function verificationScript(a: VerificationScriptArgs): string {
    const { plan } = a;
    const ns = sh(plan.nameServerList);
    return [
        ...prelude(`verification of ${plan.clusterName}`),
        ...registeredChecks(plan, ns),
        ...replicationChecks(plan, ns, a.maxReplicationLagBytes, a.replicationWaitSeconds),
        `say "${plan.clusterName}: ${plan.brokers.length} brokers registered, replication within ${a.maxReplicationLagBytes} bytes"`,
        "",
    ].join("\n");
}

/** One topic-config write as `mqadmin updateTopic` on one master. */
function updateTopic(w: TopicWrite, ns: string): string {
    const c = w.config;
    return (
        `admin updateTopic -n ${ns} -b ${sh(w.address)} -t ${sh(c.topicName)} ` +
        `-r ${c.readQueueNums} -w ${c.writeQueueNums} -p ${c.perm} -o ${c.order ? "true" : "false"}`
    );
}

export interface TrafficScriptArgs {
    plan: TrafficPlan;
    weight: number;
    /** Both colours' name servers (shared routing: one list). */
    nameServers: string;
    blue: ClusterPlan;
    green: ClusterPlan;
    consumerGroups: readonly string[];
    /** An ordered topic changing colour waits this long between closing the old colour and opening the new one. */
    orderedPauseSeconds: number;
}

/**
 * The weight as write queues. First green must hold every declared group
 * (else nothing moves); then every write that leaves a colour writable is
 * applied before any that makes one read-only, so a producer always has a
 * writable queue. Ordered topics close, wait out a route refresh, then open.
 */
export function trafficScript(a: TrafficScriptArgs): string {
    const ns = sh(a.nameServers);
    const all = [...a.plan.opens, ...a.plan.closes];
    const keepsWrite = all.filter((w) => w.config.perm === PERM_READ_WRITE);
    const readOnly = all.filter((w) => w.config.perm !== PERM_READ_WRITE);
    const lines = [
        ...prelude(`traffic weight ${a.weight}% to ${a.green.clusterName}`),
        ...registeredChecks(a.blue, ns),
        ...registeredChecks(a.green, ns),
        ...a.consumerGroups.flatMap((g) =>
            masterAddresses(a.green).map(
                (addr) => `admin updateSubGroup -n ${ns} -b ${sh(addr)} -g ${sh(g)} > /dev/null`,
            ),
        ),
        ...keepsWrite.map((w) => updateTopic(w, ns)),
        ...readOnly.map((w) => updateTopic(w, ns)),
    ];
    for (const move of a.plan.orderedMoves) {
        lines.push(
            `say "ordered topic ${move.topic}: closing ${move.from}, then ${a.orderedPauseSeconds} s for producers' routes"`,
            ...move.closes.map((w) => updateTopic(w, ns)),
            `sleep ${a.orderedPauseSeconds}`,
            ...move.opens.map((w) => updateTopic(w, ns)),
        );
    }
    lines.push(`say "weight ${a.weight}% applied to ${a.plan.topics.length} topics"`, "");
    return lines.join("\n");
}

function masters(plan: ClusterPlan): BrokerPlan[] {
    return plan.brokers.filter((b) => b.brokerId === 0);
}

function masterAddresses(plan: ClusterPlan): string[] {
    return masters(plan).map((b) => b.address);
}

export interface DrainScriptArgs {
    blue: ClusterPlan;
    timeoutSeconds: number;
    /** Isolated routing: no write may have reached blue for this long either. */
    quietSeconds?: number;
    /** How scheduled messages and dead letters on blue's masters hold retirement back. */
    stranded: StrandedSettings;
}

/**
 * Per master, what no group's lag shows and retiring it would lose, as the
 * local platform counts it: each delay level's schedule queue from where the
 * broker's delivery stands (`scheduleMessageOffset_L` in `brokerStatus`, or
 * the queue's first message for a level never delivered from), and each
 * `%DLQ%` topic's messages. `stranded_on ADDRESS BROKER_NAME` prints
 * "N scheduled message(s) (delay level L), M message(s) in %DLQ%G" or
 * nothing. A topic the name servers do not route yet holds nothing. The
 * topics' offsets are read once per pass for all masters (each `mqadmin` is a
 * JVM start).
 */
function strandedFunctions(ns: string, deadLettersHold: boolean): string[] {
    const sedDelivered = "s/^scheduleMessageOffset_\\([0-9]*\\)[[:space:]]*:[[:space:]]*\\([0-9]*\\),.*/\\1 \\2/p";
    return [
        "routed_status() {",
        `  out=$("$ROCKETMQ_HOME/bin/mqadmin" topicStatus -n ${ns} -t "$1" 2>&1) || true`,
        "  case $out in *'No topic route info'*) return 0 ;; esac",
        `  admin topicStatus -n ${ns} -t "$1"`,
        "}",
        "# Read once per pass for every master: the schedule queues, and each dead-letter queue as 'TOPIC BROKER COUNT'.",
        "read_shared() {",
        `  sched=$(routed_status ${SCHEDULE_TOPIC}) || exit 1`,
        "  dead=''",
        ...(deadLettersHold
            ? [
                  `  topics=$(admin topicList -n ${ns}) || exit 1`,
                  `  for t in $(printf '%s\\n' "$topics" | grep '^${DLQ_PREFIX}' | sort || true); do`,
                  '    stats=$(routed_status "$t") || exit 1',
                  `    dead=$(printf '%s\\n%s' "$dead" "$(printf '%s\\n' "$stats" | awk -v t="$t" '$2 ~ /^[0-9]+$/ { print t, $1, $4 - $3 }')")`,
                  "  done",
              ]
            : []),
        "}",
        "stranded_on() {",
        `  status=$(admin brokerStatus -n ${ns} -b "$1") || exit 1`,
        `  delivered=$(printf '%s\\n' "$status" | sed -n '${sedDelivered}')`,
        `  queues=$(printf '%s\\n' "$sched" | awk -v b="$2" '$1 == b && $2 ~ /^[0-9]+$/ { print $2 + 1, $3, $4 }')`,
        `  parts=$(printf '%s\\n--\\n%s\\n' "$delivered" "$queues" | awk '`,
        `    $0 == "--" { q = 1; next }`,
        "    NF == 0 { next }",
        "    !q { at[$1] = $2; next }",
        "    { from = ($1 in at) ? at[$1] : $2; if (from < $2) from = $2; n = $3 - from",
        `      if (n > 0) { printf "%s%d scheduled message(s) (delay level %d)", sep, n, $1; sep = ", " } }')`,
        // Topics in the order read_shared listed them (sorted), each summed over its queues on this broker.
        `  letters=$(printf '%s\\n' "$dead" | awk -v b="$2" '$2 == b { if (!($1 in n)) seen[++k] = $1; n[$1] += $3 }`,
        `    END { for (i = 1; i <= k; i++) if (n[seen[i]] > 0) { printf "%s%d message(s) in %s", sep, n[seen[i]], seen[i]; sep = ", " } }')`,
        '  [ -z "$letters" ] || parts="${parts:+$parts, }$letters"',
        `  printf '%s' "$parts"`,
        "}",
    ];
}

/**
 * Retiring blue: waits until no consumer group (every group the name servers
 * know, RocketMQ's own left out) has anything unconsumed on blue's brokers;
 * fails after the timeout naming each group and its lag. `consumerProgress
 * -g` prints one line per queue: topic, broker name, queue id, broker offset,
 * consumer offset, then the client's address, which is blank while no
 * consumer is online, so the lag is computed from the two offsets rather than
 * read from its shifting column. Without -g it prints one line per group, name first.
 */
export function drainScript(a: DrainScriptArgs): string {
    const ns = sh(a.blue.nameServerList);
    const brokerNames = [...new Set(a.blue.brokers.map((b) => b.brokerName))];
    const pattern = brokerNames.map((n) => `$2 == ${JSON.stringify(n)}`).join(" || ");
    const lines = [
        ...prelude(`drain check of ${a.blue.clusterName}`),
        "lag_of() {",
        `  progress=$(admin consumerProgress -n ${ns} -g "$1") || exit 1`,
        `  printf '%s\\n' "$progress" | awk '${pattern} { sum += $4 - $5 } END { print sum + 0 }'`,
        "}",
        "groups() {",
        `  progress=$(admin consumerProgress -n ${ns}) || exit 1`,
        `  printf '%s\\n' "$progress" | awk 'NR > 1 && NF > 0 { print $1 }' | grep -v -E ${sh(SYSTEM_GROUP_PATTERN)} || true`,
        "}",
    ];
    if (a.quietSeconds !== undefined) {
        lines.push(
            COMMITLOG_OFFSET_FN,
            `say "waiting for ${a.quietSeconds} s without a write to ${a.blue.clusterName}"`,
            `before=${masterAddresses(a.blue)
                .map((addr) => `$(commitlog_offset ${ns} ${sh(addr)})`)
                .join(",")}`,
            `sleep ${a.quietSeconds}`,
            `after=${masterAddresses(a.blue)
                .map((addr) => `$(commitlog_offset ${ns} ${sh(addr)})`)
                .join(",")}`,
            `[ "$before" = "$after" ] || fail "${a.blue.clusterName} still takes writes (commit-log offsets $before then $after); clients may not have polled the address server yet"`,
        );
    }
    const advice = strandedAdvice(a.stranded);
    lines.push(
        ...strandedFunctions(ns, a.stranded.deadLettersHold),
        'held_on() { s=$(stranded_on "$1" "$2") || exit 1; [ -z "$s" ] || held="${held:+$held; }$2 holds $s"; }',
        `deadline=$(( $(date +%s) + ${a.timeoutSeconds} ))`,
        "while :; do",
        "  lagging=''",
        "  held=''",
        "  # Held messages before lag: one delivered between the two reads then shows as lag, never neither.",
        "  read_shared",
        ...masters(a.blue).map((b) => `  held_on ${sh(b.address)} ${sh(b.brokerName)}`),
        "  all=$(groups)",
        '  for g in $all; do l=$(lag_of "$g"); [ "$l" -eq 0 ] || lagging="$lagging $g=$l"; done',
        '  [ -z "$lagging" ] && [ -z "$held" ] && break',
        ...(a.stranded.waitForPending
            ? []
            : [`  [ -n "$lagging" ] || fail "retireBlue refused on ${a.blue.clusterName}: $held; ${advice}"`]),
        `  [ "$(date +%s)" -lt "$deadline" ] || fail "retireBlue refused after ${a.timeoutSeconds} s on ${a.blue.clusterName}:\${lagging:+ consumer groups still lag:$lagging}\${held:+ $held; ${advice}}"`,
        '  say "waiting:${lagging:+ groups lag:$lagging}${held:+ $held}"',
        "  sleep 5",
        "done",
        `say "every group has read everything on ${a.blue.clusterName}, and its masters hold nothing scheduled${a.stranded.deadLettersHold ? " and no dead letter" : ""}"`,
        "",
    );
    return lines.join("\n");
}

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

export interface MetadataSyncScriptArgs {
    blue: ClusterPlan;
    green: ClusterPlan;
    /** Declared topics with their queues per master. */
    topics: readonly { name: string; queues: number }[];
    consumerGroups: readonly string[];
    weight: number;
}

/**
 * Isolated routing: green gets every declared topic (read-write: it is a
 * cluster of its own) and group, blue every declared topic; then both are
 * read back from green's routes, and a weight above 0 is refused while any
 * is missing.
 */
export function metadataSyncScript(a: MetadataSyncScriptArgs): string {
    const blueNs = sh(a.blue.nameServerList);
    const greenNs = sh(a.green.nameServerList);
    const create = (plan: ClusterPlan, ns: string) =>
        a.topics.flatMap((t) =>
            masterAddresses(plan).map(
                (addr) =>
                    `admin updateTopic -n ${ns} -b ${sh(addr)} -t ${sh(t.name)} -r ${t.queues} -w ${t.queues} -p 6`,
            ),
        );
    return [
        ...prelude(`metadata sync ${a.blue.clusterName} -> ${a.green.clusterName} (weight ${a.weight})`),
        ...registeredChecks(a.blue, blueNs),
        ...registeredChecks(a.green, greenNs),
        ...create(a.blue, blueNs),
        ...create(a.green, greenNs),
        ...a.consumerGroups.flatMap((g) =>
            masterAddresses(a.green).map(
                (addr) => `admin updateSubGroup -n ${greenNs} -b ${sh(addr)} -g ${sh(g)} > /dev/null`,
            ),
        ),
        ...a.topics.map(
            (t) =>
                `route=$(admin topicRoute -n ${greenNs} -t ${sh(t.name)}); printf '%s\\n' "$route" | grep -qF ${sh(`${a.green.clusterName}-`)} || fail ${sh(
                    `topic ${t.name} is missing on ${a.green.clusterName}; weight ${a.weight} refused`,
                )}`,
        ),
        `say "${a.green.clusterName} holds ${a.topics.length} topics and ${a.consumerGroups.length} groups"`,
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

export interface S3UploadScriptArgs {
    clusterName: string;
    bucket: string;
    prefix: string;
    /** An S3-compatible endpoint instead of AWS's. */
    endpoint?: string;
    /** Where the backup claim is mounted. */
    backupRoot?: string;
}

/**
 * The backup's upload, run by the AWS CLI after the backup step of the same
 * Job: every file of the latest backup (its SHA256SUMS included) under
 * `<prefix>/<cluster>/<backup>/`, then the listing is compared with the
 * local file count. A failure fails the Job; the backup stays on the claim.
 */
export function s3UploadScript(a: S3UploadScriptArgs): string {
    const root = a.backupRoot ?? PATHS.backups;
    const endpoint = a.endpoint ? ` --endpoint-url ${sh(a.endpoint)}` : "";
    const prefix = [...a.prefix.split("/").filter(Boolean), a.clusterName].join("/");
    return [
        "#!/bin/sh",
        `# upload of ${a.clusterName}'s latest backup to s3://${a.bucket}/${prefix}/`,
        "set -eu",
        'fail() { echo "FAILED: $*" >&2; exit 1; }',
        `dir=$(cat ${root}/.latest-${a.clusterName}) || fail "no backup of ${a.clusterName} to upload"`,
        `dest=${sh(`s3://${a.bucket}/${prefix}/`)}"$(basename "$dir")/"`,
        `aws s3 cp --recursive --only-show-errors${endpoint} "$dir" "$dest" || fail "upload of $dir to $dest failed; the backup is kept on the claim"`,
        `listing=$(aws s3 ls --recursive${endpoint} "$dest") || fail "cannot list $dest after the upload"`,
        "listed=$(printf '%s\\n' \"$listing\" | grep -c . || true)",
        'files=$(find "$dir" -type f | wc -l)',
        '[ "$listed" -eq "$files" ] || fail "$dest lists $listed objects, the backup has $files files; the backup is kept on the claim"',
        'echo "uploaded $files files to $dest"',
        "",
    ].join("\n");
}
