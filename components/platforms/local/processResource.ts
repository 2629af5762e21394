import * as pulumi from "@pulumi/pulumi";
import type { RollReport, RollSettings } from "../../../operations/brokerTurn";

/** Arguments of a {@link RocketMQProcess}. */
export interface RocketMQProcessArgs {
    /** Which server this is. */
    role: pulumi.Input<"namesrv" | "broker" | "proxy">;
    /** The RocketMQ release to run; changing it restarts the process in place on the same store. */
    version: pulumi.Input<string>;
    /** The process's own directory (user.home, config, logs, store). Changing it replaces the process. */
    dir: pulumi.Input<string>;
    /** The config file: properties for name servers and brokers, JSON for proxies. */
    config: pulumi.Input<string>;
    /** The port that must accept connections before the process counts as serving. */
    servicePort: pulumi.Input<number>;
    /** JVM heap (and direct memory) in MiB. */
    heapMb: pulumi.Input<number>;
    /** Brokers only: the process serves once these name servers list it under this name and id. */
    registration?: pulumi.Input<{ nameServers: string; brokerName: string; brokerId: number }>;
    /**
     * Brokers of a rolling-strategy cluster: a restart of the running broker
     * is its turn of the roll (write permission, replication, consumers and
     * the release checked around it).
     */
    roll?: pulumi.Input<{
        groupRole: "SYNC_MASTER" | "ASYNC_MASTER";
        address: string;
        peers: { brokerId: number; address: string }[];
        settings: RollSettings;
        /** The pre-roll backup, whose metadata record the turn compares the brokers with ("" for none). */
        baselineDir: pulumi.Input<string>;
    }>;
    /** Keep the process stopped (its directory stays): how a retired colour's servers are held. */
    stopped?: pulumi.Input<boolean>;
}

/**
 * One RocketMQ server running as a JVM on this machine. It is created only
 * once it serves, restarted by `pulumi up` if it died, and stopped (then its
 * directory removed) on delete. Served by the `rocketmq` provider plugin.
 */
export class RocketMQProcess extends pulumi.CustomResource {
    /** The pid of the running JVM (0 after a refresh found it dead). */
    public readonly pid!: pulumi.Output<number>;
    /** Whether the process was running when last created, updated or refreshed. */
    public readonly running!: pulumi.Output<boolean>;
    /** The JVM's console output. */
    public readonly stdoutLog!: pulumi.Output<string>;
    /** RocketMQ's own log files. */
    public readonly logDir!: pulumi.Output<string>;
    /** Brokers of a rolling cluster: what their last turn of the roll did, step by step. */
    public readonly lastRoll!: pulumi.Output<RollReport | undefined>;

    constructor(name: string, args: RocketMQProcessArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:Process",
            name,
            {
                ...args,
                pid: undefined,
                running: undefined,
                stdoutLog: undefined,
                logDir: undefined,
                lastRoll: undefined,
            },
            opts,
        );
    }
}
