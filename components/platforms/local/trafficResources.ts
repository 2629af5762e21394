import * as pulumi from "@pulumi/pulumi";
import type { StrandedSettings } from "../../../operations/strandedMessages";
import type { DeclaredTopic, MasterRef } from "../../../domain/trafficPlan";

/** One colour as the traffic resources see it. */
export interface ColourInput {
    clusterName: string;
    masters: MasterRef[];
}

/** Arguments of a {@link TrafficSplit}. */
export interface TrafficSplitArgs {
    /** The name servers both colours register with. */
    nameServers: pulumi.Input<string>;
    blue: pulumi.Input<ColourInput>;
    green: pulumi.Input<ColourInput>;
    /** Percent of write traffic for green: 0 or a canary stage. */
    weight: pulumi.Input<number>;
    /** The stages the weight walks through, for the step check. */
    canaryStages: pulumi.Input<number[]>;
    /** Skip the step check for this update (skipping stages, lowering to a non-zero weight). */
    forceWeightChange: pulumi.Input<boolean>;
    declaredTopics: pulumi.Input<DeclaredTopic[]>;
    consumerGroups: pulumi.Input<string[]>;
    orderedCutover: pulumi.Input<number>;
    routeRefreshSeconds: pulumi.Input<number>;
    drainTimeoutSeconds: pulumi.Input<number>;
    /** Where the routes as they were before each change are written. */
    snapshotDir: pulumi.Input<string>;
    /** Blue is retired (stopped): record it, move nothing. */
    blueRetired: pulumi.Input<boolean>;
}

/** The weighted split on this machine's brokers, carried out by the `rocketmq` provider plugin. */
export class TrafficSplit extends pulumi.CustomResource {
    /** Green's share of each topic's writable queues, in percent. */
    public readonly effectiveShares!: pulumi.Output<Record<string, number>>;
    public readonly seededOffsets!: pulumi.Output<number>;
    public readonly snapshotFile!: pulumi.Output<string>;
    public readonly appliedAt!: pulumi.Output<string>;
    /** Seconds each ordered topic's writes were paused by this change. */
    public readonly orderedPauses!: pulumi.Output<Record<string, number>>;

    constructor(name: string, args: TrafficSplitArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:Traffic",
            name,
            {
                ...args,
                effectiveShares: undefined,
                seededOffsets: undefined,
                snapshotFile: undefined,
                appliedAt: undefined,
                orderedPauses: undefined,
            },
            opts,
        );
    }
}

/** Arguments of a {@link DrainCheck}. */
export interface DrainCheckArgs {
    nameServers: pulumi.Input<string>;
    /** The colour about to be retired. */
    blue: pulumi.Input<ColourInput>;
    /** How long to wait for consumers to read what is left before refusing. */
    timeoutSeconds: pulumi.Input<number>;
    /** Isolated routing (blue stays writable): no write may have reached blue for this long. */
    quietSeconds?: pulumi.Input<number>;
    /** Whether to wait for scheduled, half and dead-letter messages on blue, and whether dead letters count. */
    stranded: pulumi.Input<StrandedSettings>;
    /** Dead letters that do not hold retirement back are exported into a new directory here before blue goes. */
    deadLetterExportRoot?: pulumi.Input<string>;
}

/** Succeeds only once no consumer group has unconsumed messages on blue. */
export class DrainCheck extends pulumi.CustomResource {
    /** The consumer groups that were checked. */
    public readonly groups!: pulumi.Output<string[]>;
    public readonly drainedAt!: pulumi.Output<string>;
    /** Where blue's dead letters were exported ("" when it held none). */
    public readonly deadLettersExportedTo!: pulumi.Output<string>;

    constructor(name: string, args: DrainCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            "rocketmq:local:DrainCheck",
            name,
            { ...args, groups: undefined, drainedAt: undefined, deadLettersExportedTo: undefined },
            opts,
        );
    }
}
