/**
 * Messages a broker holds outside every group's lag (scheduled, half, dead
 * letters): the system topics and groups they live under, and how the
 * retirement gates treat them. Both platforms' gates share these words; the
 * counting against live brokers is operations/strandedMessages.ts.
 */
export const SCHEDULE_TOPIC = "SCHEDULE_TOPIC_XXXX";

export const HALF_TOPIC = "RMQ_SYS_TRANS_HALF_TOPIC";

export const OP_TOPIC = "RMQ_SYS_TRANS_OP_HALF_TOPIC";

/**
 * The group the broker's transaction checker commits its progress on the half and op queues as: the value of
 * RocketMQ's MixAll.CID_SYS_RMQ_TRANS (the constant's name and its value differ; under the name no broker has
 * offsets, and every half message ever written looked open).
 */
export const TRANSACTION_CHECKER_GROUP = "CID_RMQ_SYS_TRANS";

export const DLQ_PREFIX = "%DLQ%";

/** RocketMQ's default `messageDelayLevel`, for a broker whose config does not say. */
export const DEFAULT_DELAY_LEVELS = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

/** How the retirement gate treats messages no group's lag shows . */
export interface StrandedSettings {
    /** Wait (within the drain timeout) for them to be delivered or settled, instead of refusing at once. */
    waitForPending: boolean;
    /** Whether dead letters hold retirement back; they are counted and named either way. */
    deadLettersHold: boolean;
}

export const DEFAULT_STRANDED_SETTINGS: StrandedSettings = { waitForPending: false, deadLettersHold: true };

/** What a retirement refused over held messages tells the operator to do; both platforms' gates say it. Pure. */
export function strandedAdvice(settings: Pick<StrandedSettings, "waitForPending">): string {
    return settings.waitForPending
        ? "retiring now would lose them"
        : "retiring now would lose them: wait until they are delivered or settled, or set retirement.waitForPending " +
              "to wait up to drainTimeoutSeconds";
}
