/**
 * rocketmq:local:Runtime, a RocketMQ release resolved from Maven Central into the machine's shared cache: its
 * inputs and outputs, declared by components/platforms/local/runtimeResource.ts, served by provider/runtimeHandler.ts.
 */
import { z } from "zod";

export const RUNTIME_TYPE = "rocketmq:local:Runtime";

export const runtimeInputs = z.object({
    /** The RocketMQ release to resolve, e.g. "4.9.7" or "5.5.0". */
    version: z.string(),
});
export type RuntimeInputs = z.infer<typeof runtimeInputs>;

export interface RuntimeOutputs {
    /** The version that was resolved. */
    version: string;
    /** The directory to use as ROCKETMQ_HOME. */
    home: string;
    /** How many jars make up the release's classpath. */
    jarCount: number;
}
export const RUNTIME_OUTPUTS = ["home", "jarCount"] as const satisfies readonly (keyof RuntimeOutputs)[];
