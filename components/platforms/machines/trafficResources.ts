import * as pulumi from "@pulumi/pulumi";
import { outputSlots } from "../../../contracts/inputDecoding";
import type { ColourRef } from "../../../contracts/sharedShapes";
import {
    DRAIN_CHECK_OUTPUTS,
    DRAIN_CHECK_TYPE,
    DrainCheckInputs,
    DrainCheckOutputs,
    TRAFFIC_OUTPUTS,
    TRAFFIC_TYPE,
    TrafficInputs,
    TrafficOutputs,
} from "../../../contracts/trafficContract";
import type { ResourceArgs } from "./resourceArgs";

/** One colour as the traffic resources see it. */
export type ColourInput = ColourRef;

/** Arguments of a {@link TrafficSplit}: the contract's inputs (contracts/trafficContract.ts). */
export type TrafficSplitArgs = ResourceArgs<TrafficInputs>;

/** The weighted split on this machine's brokers, carried out by the `rocketmq` provider plugin. */
export class TrafficSplit extends pulumi.CustomResource {
    /** Green's share of each topic's writable queues, in percent. */
    public readonly effectiveShares!: pulumi.Output<TrafficOutputs["effectiveShares"]>;
    public readonly seededOffsets!: pulumi.Output<TrafficOutputs["seededOffsets"]>;
    public readonly snapshotFile!: pulumi.Output<TrafficOutputs["snapshotFile"]>;
    public readonly appliedAt!: pulumi.Output<TrafficOutputs["appliedAt"]>;
    /** Seconds each ordered topic's writes were paused by this change. */
    public readonly orderedPauses!: pulumi.Output<TrafficOutputs["orderedPauses"]>;

    constructor(name: string, args: TrafficSplitArgs, opts?: pulumi.CustomResourceOptions) {
        super(TRAFFIC_TYPE, name, { ...args, ...outputSlots(TRAFFIC_OUTPUTS) }, opts);
    }
}

/** Arguments of a {@link DrainCheck}: the contract's inputs (contracts/trafficContract.ts). */
export type DrainCheckArgs = ResourceArgs<DrainCheckInputs>;

/** Succeeds only once no consumer group has unconsumed messages on blue. */
export class DrainCheck extends pulumi.CustomResource {
    /** The consumer groups that were checked. */
    public readonly groups!: pulumi.Output<DrainCheckOutputs["groups"]>;
    public readonly drainedAt!: pulumi.Output<DrainCheckOutputs["drainedAt"]>;
    /** Where blue's dead letters were exported ("" when it held none). */
    public readonly deadLettersExportedTo!: pulumi.Output<DrainCheckOutputs["deadLettersExportedTo"]>;

    constructor(name: string, args: DrainCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(DRAIN_CHECK_TYPE, name, { ...args, ...outputSlots(DRAIN_CHECK_OUTPUTS) }, opts);
    }
}
