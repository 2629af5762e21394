/**
 * The script of the verification Job, the seed's check of a cluster: a Job
 * that fails stops every resource that waits for it, so nothing builds on a
 * cluster with a broker missing or a slave behind.
 */
import type { ClusterPlan } from "../../../../domain/clusterPlan";
import { prelude, registeredChecks, replicationChecks, sh } from "./scriptPrelude";

export interface VerificationScriptArgs {
    plan: ClusterPlan;
    maxReplicationLagBytes: number;
    replicationWaitSeconds: number;
}

/** The seed's verification: every broker registered at its address, every slave caught up with its master. */
export function verificationScript(a: VerificationScriptArgs): string {
    const { plan } = a;
    const ns = sh(plan.nameServerList);
    return [
        ...prelude(`verification of ${plan.clusterName}`),
        ...registeredChecks(plan, ns),
        ...replicationChecks(plan, ns, a.maxReplicationLagBytes, a.replicationWaitSeconds),
        `say "${plan.clusterName}: ${plan.brokers.length} brokers registered, replication within ${a.maxReplicationLagBytes} bytes"`,
        "",
    ].join("\n");
}
