/**
 * The performance baseline's settings and result (the seed's §3.1.2): what the
 * backup measures before a change and the verification compares after it.
 * The run itself is operations/benchmark.ts.
 */
export interface BenchmarkSettings {
    /** How long each run sends; the first second is dropped as warm-up. */
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
    /** One-second reports the figures below are the medians of. */
    samples: number;
    tps: number;
    avgRtMs: number;
    maxRtMs: number;
    /**
     * Sends that failed after the warm-up second (the tool's cumulative counters at the end, less those at the
     * warm-up report): each thread's first send can fail while the producer still learns the topic's route.
     */
    sendFailed: number;
    responseFailed: number;
    /** The first exception line the tool printed, if any: what a failed send said. */
    firstError?: string;
}
