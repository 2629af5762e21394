import * as pulumi from "@pulumi/pulumi";
import { outputSlots } from "../../../contracts/inputDecoding";
import {
    HOST_INVENTORY_OUTPUTS,
    HOST_INVENTORY_TYPE,
    HOST_PROCESS_OUTPUTS,
    HOST_PROCESS_TYPE,
    type HostInventoryInputs,
    type HostInventoryOutputs,
    type HostProcessInputs,
    type HostProcessOutputs,
} from "../../../contracts/hostProcessContract";
import type { ResourceArgs } from "../machines/resourceArgs";

/** Arguments of a {@link HostInventory}: the contract's inputs (contracts/hostProcessContract.ts). */
export type HostInventoryArgs = ResourceArgs<HostInventoryInputs>;

/**
 * Every machine of the stack, checked together at each preview and `up` (answers over SSH, accepts the key, offers
 * the pinned host key, has a JDK) before any process on them is touched. Served by the `rocketmq` provider plugin.
 */
export class HostInventory extends pulumi.CustomResource {
    /** Each host's Java major version, by host name. */
    public readonly javaMajors!: pulumi.Output<HostInventoryOutputs["javaMajors"]>;

    constructor(name: string, args: HostInventoryArgs, opts?: pulumi.CustomResourceOptions) {
        super(HOST_INVENTORY_TYPE, name, { ...args, ...outputSlots(HOST_INVENTORY_OUTPUTS) }, opts);
    }
}

/** Arguments of a {@link HostProcess}: the contract's inputs (contracts/hostProcessContract.ts). */
export type HostProcessArgs = ResourceArgs<HostProcessInputs>;

/**
 * One RocketMQ server on a machine reached over SSH: its release copied there once, started the runbook's way,
 * created only once it serves, restarted in place (a broker: through its turn of the roll) when its release or
 * config changes, stopped by its pid on delete. Served by the `rocketmq` provider plugin.
 */
export class HostProcess extends pulumi.CustomResource {
    /** The pid on its host (0 after a refresh found it gone). */
    public readonly pid!: pulumi.Output<HostProcessOutputs["pid"]>;
    public readonly running!: pulumi.Output<HostProcessOutputs["running"]>;
    /** The release directory its link points at. */
    public readonly release!: pulumi.Output<HostProcessOutputs["release"]>;
    /** The JVM's console output, on the host. */
    public readonly stdoutLog!: pulumi.Output<HostProcessOutputs["stdoutLog"]>;
    /** Brokers of a rolling cluster: what their last turn of the roll did, step by step. */
    public readonly lastRoll!: pulumi.Output<HostProcessOutputs["lastRoll"]>;

    constructor(name: string, args: HostProcessArgs, opts?: pulumi.CustomResourceOptions) {
        super(HOST_PROCESS_TYPE, name, { ...args, ...outputSlots(HOST_PROCESS_OUTPUTS) }, opts);
    }
}
