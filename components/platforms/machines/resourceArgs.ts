/**
 * A contract's inputs as the component side declares them: any value, at any depth, may still be an Output the
 * engine resolves before the provider sees it. The contracts in contracts/ stay free of Pulumi; this is the one
 * place their plain types meet `pulumi.Input`.
 */
import * as pulumi from "@pulumi/pulumi";

/** The whole value as an Input, or its parts (array items, object fields) each an Input in turn. */
type DeepInput<T> = pulumi.Input<T> | (T extends object ? { [K in keyof T]: DeepInput<T[K]> } : never);

export type ResourceArgs<T> = { [K in keyof T]: DeepInput<T[K]> };
