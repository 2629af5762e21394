import * as pulumi from "@pulumi/pulumi";

/** Arguments of a {@link RocketMQRuntime}. */
export interface RocketMQRuntimeArgs {
    /** The RocketMQ release to resolve from Maven Central, e.g. "4.9.7" or "5.5.0". */
    version: pulumi.Input<string>;
}

/**
 * A RocketMQ release resolved from Maven Central into the machine's shared
 * cache, laid out like the binary distribution (lib/ and conf/). Every local
 * process of that version depends on it. Served by the `rocketmq` provider
 * plugin in provider/.
 */
export class RocketMQRuntime extends pulumi.CustomResource {
    /** The version that was resolved. */
    public readonly version!: pulumi.Output<string>;
    /** The directory to use as ROCKETMQ_HOME. */
    public readonly home!: pulumi.Output<string>;
    /** How many jars make up the release's classpath. */
    public readonly jarCount!: pulumi.Output<number>;

    constructor(name: string, args: RocketMQRuntimeArgs, opts?: pulumi.CustomResourceOptions) {
        super("rocketmq:local:Runtime", name, { version: args.version, home: undefined, jarCount: undefined }, opts);
    }
}
