import * as pulumi from "@pulumi/pulumi";
import { outputSlots } from "../../../contracts/inputDecoding";
import { PROCESS_OUTPUTS, PROCESS_TYPE, ProcessInputs, ProcessOutputs } from "../../../contracts/processContract";
import type { ResourceArgs } from "./resourceArgs";

/** Arguments of a {@link RocketMQProcess}: the contract's inputs (contracts/processContract.ts). */
export type RocketMQProcessArgs = ResourceArgs<ProcessInputs>;

/**
 * One RocketMQ server running as a JVM on this machine. It is created only
 * once it serves, restarted by `pulumi up` if it died, and stopped (then its
 * directory removed) on delete. Served by the `rocketmq` provider plugin.
 */
export class RocketMQProcess extends pulumi.CustomResource {
    /** The pid of the running JVM (0 after a refresh found it dead). */
    public readonly pid!: pulumi.Output<ProcessOutputs["pid"]>;
    /** Whether the process was running when last created, updated or refreshed. */
    public readonly running!: pulumi.Output<ProcessOutputs["running"]>;
    /** The JVM's console output. */
    public readonly stdoutLog!: pulumi.Output<ProcessOutputs["stdoutLog"]>;
    /** RocketMQ's own log files. */
    public readonly logDir!: pulumi.Output<ProcessOutputs["logDir"]>;
    /** Brokers of a rolling cluster: what their last turn of the roll did, step by step. */
    public readonly lastRoll!: pulumi.Output<ProcessOutputs["lastRoll"]>;

    constructor(name: string, args: RocketMQProcessArgs, opts?: pulumi.CustomResourceOptions) {
        super(PROCESS_TYPE, name, { ...args, ...outputSlots(PROCESS_OUTPUTS) }, opts);
    }
}
