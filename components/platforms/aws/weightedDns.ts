import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsSpec } from "../../../config/awsConfig";
import { recordType, weightedRecords, type Colour } from "../../../domain/dnsPlan";

/** Arguments of a {@link WeightedProxyDns}. */
export interface WeightedProxyDnsArgs {
    /** Zone, name, TTL, endpoints and health checks. */
    spec: DnsSpec;
    /** Percent of clients sent to green: the stack's trafficWeight. */
    weight: number;
}

/**
 * Isolated routing for 5.x gRPC clients: one name with a weighted record per
 * colour that takes traffic (none for a colour at 0 %), each tied to a
 * Route53 health check of its proxy endpoint, so an unhealthy colour's record
 * stops being answered while the other still is.
 */
export class WeightedProxyDns extends pulumi.ComponentResource {
    /** Colour → weight of the records in place. */
    public readonly weights: pulumi.Output<Record<string, number>>;
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: WeightedProxyDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:WeightedDns", name, {}, opts);
        const { spec } = args;
        const child = { parent: this };
        const checks: Partial<Record<Colour, aws.route53.HealthCheck>> = {};
        for (const colour of ["blue", "green"] as const) {
            const target = spec.endpoints[colour];
            if (!target) {
                continue;
            }
            checks[colour] = new aws.route53.HealthCheck(
                `${name}-${colour}-health`,
                {
                    type: "TCP",
                    ...(recordType(target) === "A" ? { ipAddress: target } : { fqdn: target }),
                    port: spec.healthCheck.port,
                    requestInterval: spec.healthCheck.intervalSeconds,
                    failureThreshold: spec.healthCheck.failureThreshold,
                    referenceName: `${colour}-proxy`.slice(0, 64),
                    tags: { Name: `${spec.name} ${colour} proxy`, "app.kubernetes.io/part-of": "rocketmq-upgrade" },
                },
                child,
            );
        }
        const records = weightedRecords(args.weight, spec.endpoints);
        for (const r of records) {
            new aws.route53.Record(
                `${name}-${r.colour}`,
                {
                    zoneId: spec.zoneId,
                    name: spec.name,
                    type: r.type,
                    ttl: spec.ttl,
                    records: [r.target],
                    setIdentifier: r.setIdentifier,
                    weightedRoutingPolicies: [{ weight: r.weight }],
                    healthCheckId: checks[r.colour]!.id,
                },
                child,
            );
        }
        this.weights = pulumi.output(Object.fromEntries(records.map((r) => [r.colour, r.weight])));
        this.name = pulumi.output(spec.name);
        this.registerOutputs({ weights: this.weights, name: this.name });
    }
}
