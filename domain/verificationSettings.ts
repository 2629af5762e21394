/**
 * The seed's post-change verification (§3.3): its thresholds with their one set
 * of defaults, and the shape of each check's result. The checks run in
 * operations/verification.ts.
 */
export interface VerifiedBroker {
    brokerName: string;
    brokerId: number;
    address: string;
}

export interface CheckResult {
    check:
        | "broker-count"
        | "broker-version"
        | "replication"
        | "round-trip"
        | "consumer-progress"
        | "baseline"
        | "metadata";
    ok: boolean;
    /** The broker (brokerName/brokerId) or group the result is about, if any. */
    subject?: string;
    detail: string;
    numbers?: Record<string, number>;
}

export interface VerificationSettings {
    /** Largest allowed master-minus-slave commit-log offset, in bytes, after waiting for catch-up. */
    maxReplicationLagBytes: number;
    /** How long a slave may take to catch up before the lag counts. */
    replicationWaitSeconds: number;
    /** The topic used for the send-and-consume round trip on every broker group. */
    verifyTopic: string;
    /** Seconds between the two consumer-progress samples. */
    consumerSampleSeconds: number;
    /** A group's backlog may grow by at most this many messages between samples. */
    consumerDiffSlack: number;
}

export const DEFAULT_VERIFICATION: VerificationSettings = {
    maxReplicationLagBytes: 0,
    replicationWaitSeconds: 30,
    verifyTopic: "RMQ_UPGRADE_VERIFY",
    consumerSampleSeconds: 5,
    consumerDiffSlack: 1000,
};

/** Allowed relative TPS drop and latency rise of the benchmark against the baseline (0.3 = 30 %). */
export const DEFAULT_BASELINE_TOLERANCE = 0.3;
