/**
 * How a contract turns the property bag the Pulumi engine hands a provider into its typed inputs. The engine keeps
 * whatever the component side sent, so a bag that does not fit is a bug on one side: it fails naming the resource
 * type and each property, instead of a cast passing it on.
 */
import { z } from "zod";

export function decodeInputs<S extends z.ZodType>(type: string, schema: S, raw: unknown): z.infer<S> {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(inputs)"}: ${i.message}`);
        throw new Error(`${type} inputs do not fit its contract: ${problems.join("; ")}`);
    }
    return parsed.data;
}

/**
 * The output properties of a custom resource, each `undefined` when it is registered: the engine then knows them
 * as outputs the provider fills in.
 */
export function outputSlots<K extends string>(keys: readonly K[]): Record<K, undefined> {
    return Object.fromEntries(keys.map((k) => [k, undefined])) as Record<K, undefined>;
}
