/**
 * The performance baseline's settings and result (the seed's §3.1.2): what the
 * backup measures before a change and the verification compares after it.
 * The run itself is operations/benchmark.ts.
 */
export interface BenchmarkSettings {
    /**
     * How long each run sends, at least 10 s: the tool reports once it has ten one-second snapshots, each report
     * covering the nine seconds before it, so the first second (the producer's start) is never measured.
     */
    seconds: number;
    /** Sending threads; the seed's baseline uses 10. */
    threads: number;
    /** Message body size in bytes; the seed uses 1024. */
    messageBytes: number;
    /** The topic the benchmark writes to on the cluster. */
    topic: string;
}

export const DEFAULT_BENCHMARK: BenchmarkSettings = {
    seconds: 10,
    threads: 10,
    messageBytes: 1024,
    topic: "RMQ_UPGRADE_BENCH",
};

/**
 * The baseline run of one cluster: `seconds` long (0 = no baseline), on the
 * cluster's own topic so runs of two clusters never mix.
 */
export function clusterBenchmark(clusterName: string, seconds: number): BenchmarkSettings | undefined {
    return seconds > 0
        ? { ...DEFAULT_BENCHMARK, seconds, topic: `${DEFAULT_BENCHMARK.topic}_${clusterName}` }
        : undefined;
}

export interface BenchmarkResult {
    /** The tool's reports (one a second from the tenth on) the figures below are the medians of. */
    samples: number;
    tps: number;
    avgRtMs: number;
    maxRtMs: number;
    /**
     * Sends that failed, from the first on (the tool's cumulative counter at its last report). The topic is routed
     * before the tool starts, so a first send has no route to wait for.
     */
    sendFailed: number;
    responseFailed: number;
    /** The first exception line the tool printed, if any: what a failed send said. */
    firstError?: string;
}
