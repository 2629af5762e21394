import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, rawConfigFromAll, StackConfig, StackConfigError } from "./stackConfig";

/**
 * Reads this stack's config and validates it. A bad value stops the program
 * before any resource is registered, so preview fails and nothing is touched;
 * RunError prints the message alone, without a stack trace.
 */
export function loadStackConfig(): StackConfig {
    try {
        return parseStackConfig(rawConfigFromAll(pulumi.runtime.allConfig()));
    } catch (err) {
        if (err instanceof StackConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}
