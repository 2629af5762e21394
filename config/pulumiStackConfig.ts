import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseStackConfig, rawConfigFromAll, StackConfig, StackConfigError } from "./stackConfig";

/**
 * Whether the engine marked a config key secret. The SDK keeps that list where its own (internal) `isConfigSecret`
 * reads it, for a CLI run and for the Automation API's inline programs alike; the environment variable the CLI sets
 * is the fallback should that function ever move.
 */
function configKeyIsSecret(key: string): boolean {
    const isConfigSecret: unknown = Reflect.get(pulumi.runtime, "isConfigSecret");
    if (typeof isConfigSecret === "function") {
        return Boolean(isConfigSecret(key));
    }
    try {
        const keys: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
        return Array.isArray(keys) && keys.includes(key);
    } catch {
        return false;
    }
}

/**
 * Reads this stack's config and validates it. A bad value stops the program
 * before any resource is registered, so preview fails and nothing is touched;
 * RunError prints the message alone, without a stack trace.
 */
export function loadStackConfig(): StackConfig {
    try {
        return parseStackConfig(
            rawConfigFromAll(pulumi.runtime.allConfig()),
            configKeyIsSecret(`${CONFIG_NAMESPACE}:sshPrivateKey`),
        );
    } catch (err) {
        if (err instanceof StackConfigError) {
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
}

/** The hosts platform's SSH private key, as the secret it must be (parseStackConfig refused it in plain text). */
export function sshPrivateKey(): pulumi.Output<string> | undefined {
    return new pulumi.Config(CONFIG_NAMESPACE).getSecret("sshPrivateKey");
}
