import * as pulumi from "@pulumi/pulumi";
import { outputSlots } from "../../../contracts/inputDecoding";
import {
    ROLL_PREFLIGHT_OUTPUTS,
    ROLL_PREFLIGHT_TYPE,
    RollPreflightInputs,
    RollPreflightOutputs,
} from "../../../contracts/rollPreflightContract";
import type { ResourceArgs } from "./resourceArgs";

/** Arguments of a {@link RollPreflight}: the contract's inputs (contracts/rollPreflightContract.ts), less what check fills in. */
export type RollPreflightArgs = ResourceArgs<Omit<RollPreflightInputs, "offTarget">>;

/**
 * The gate in front of a rolling upgrade or rollback: refusals read from the
 * live cluster (at preview too), then a backup, before the first broker goes
 * down. Served by the `rocketmq` provider plugin.
 */
export class RollPreflight extends pulumi.CustomResource {
    /** "brokerName/brokerId" → the release each broker reported when the roll was checked (empty: nothing to roll). */
    public readonly offTarget!: pulumi.Output<RollPreflightOutputs["offTarget"]>;
    /** The backup taken before the roll ("" when there was nothing to roll). */
    public readonly backupDir!: pulumi.Output<RollPreflightOutputs["backupDir"]>;
    /** The baseline measured on the release being left, or null. */
    public readonly baseline!: pulumi.Output<RollPreflightOutputs["baseline"]>;

    constructor(name: string, args: RollPreflightArgs, opts?: pulumi.CustomResourceOptions) {
        super(ROLL_PREFLIGHT_TYPE, name, { ...args, ...outputSlots(ROLL_PREFLIGHT_OUTPUTS) }, opts);
    }
}
