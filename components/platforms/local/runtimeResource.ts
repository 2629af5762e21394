import * as pulumi from "@pulumi/pulumi";
import { outputSlots } from "../../../contracts/inputDecoding";
import { RUNTIME_OUTPUTS, RUNTIME_TYPE, RuntimeInputs, RuntimeOutputs } from "../../../contracts/runtimeContract";
import type { ResourceArgs } from "./resourceArgs";

/** Arguments of a {@link RocketMQRuntime}: the contract's inputs (contracts/runtimeContract.ts). */
export type RocketMQRuntimeArgs = ResourceArgs<RuntimeInputs>;

/**
 * A RocketMQ release resolved from Maven Central into the machine's shared
 * cache, laid out like the binary distribution (lib/ and conf/). Every local
 * process of that version depends on it. Served by the `rocketmq` provider
 * plugin in provider/.
 */
export class RocketMQRuntime extends pulumi.CustomResource {
    /** The version that was resolved. */
    public readonly version!: pulumi.Output<RuntimeOutputs["version"]>;
    /** The directory to use as ROCKETMQ_HOME. */
    public readonly home!: pulumi.Output<RuntimeOutputs["home"]>;
    /** How many jars make up the release's classpath. */
    public readonly jarCount!: pulumi.Output<RuntimeOutputs["jarCount"]>;

    constructor(name: string, args: RocketMQRuntimeArgs, opts?: pulumi.CustomResourceOptions) {
        super(RUNTIME_TYPE, name, { version: args.version, ...outputSlots(RUNTIME_OUTPUTS) }, opts);
    }
}
