/**
 * The script of the drain-check Job that gates blue's retirement: blue is
 * retired only once nothing on it would be lost, neither a consumer group's
 * unread messages nor what no group's lag shows (scheduled messages, dead
 * letters), and, with isolated routing, once no client writes to it anymore.
 */
import type { ClusterPlan } from "../../../../domain/clusterPlan";
import { SYSTEM_GROUP_PREFIXES, SYSTEM_GROUPS } from "../../../../domain/trafficPlan";
import { DLQ_PREFIX, SCHEDULE_TOPIC, strandedAdvice, type StrandedSettings } from "../../../../domain/heldMessages";
import { COMMITLOG_OFFSET_FN, masterAddresses, masters, prelude, sh } from "./scriptPrelude";

/** An extended regex matching RocketMQ's own consumer groups (never drained or copied). */
const SYSTEM_GROUP_PATTERN = [...SYSTEM_GROUP_PREFIXES.map((p) => `^${p}`), ...SYSTEM_GROUPS.map((g) => `^${g}$`)].join(
    "|",
);

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
