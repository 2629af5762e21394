/**
 * The Kubernetes objects a stack creates once, whatever its strategy and
 * colours: the provider every other object is declared through, the
 * namespaces and the backup claim. KubernetesPlatform declares each piece on
 * top of them, so index.ts creates this first and hands it over.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubernetesSpec } from "../../../config/kubernetesConfig";
import { pinnedPluginVersion } from "./kubernetesPlugin";
import { LABEL, labels, Placement } from "./kubernetesObjects";

/** The claim every backup Job writes to. */
export const BACKUP_CLAIM = "rocketmq-backups";

/** Arguments of a {@link KubernetesFoundation}. */
export interface KubernetesFoundationArgs {
    /** The validated `kubernetes` block of the stack config. */
    spec: KubernetesSpec;
    /** Every cluster the stack declares (their namespaces are created). */
    clusterNames: string[];
}

/**
 * What every piece stands on: the kubernetes provider (rendering manifests to
 * a directory when configured), the namespaces and the backup claim.
 */
export class KubernetesFoundation extends pulumi.ComponentResource {
    public readonly provider: k8s.Provider;
    /** Namespace resources by name. */
    public readonly namespaces: ReadonlyMap<string, k8s.core.v1.Namespace>;
    public readonly backupClaim: k8s.core.v1.PersistentVolumeClaim;
    public readonly placement: Placement;

    constructor(name: string, args: KubernetesFoundationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("rocketmq:index:KubernetesFoundation", name, {}, opts);
        this.placement = new Placement(args.spec);
        this.provider = new k8s.Provider(
            `${name}-provider`,
            {
                renderYamlToDirectory: args.spec.renderYamlToDirectory,
                context: args.spec.context,
            },
            { parent: this, version: pinnedPluginVersion() },
        );
        const namespaces = new Map<string, k8s.core.v1.Namespace>();
        for (const ns of this.placement.all(args.clusterNames)) {
            namespaces.set(
                ns,
                new k8s.core.v1.Namespace(
                    ns,
                    {
                        metadata: {
                            name: ns,
                            labels: {
                                [LABEL.partOf]: "rocketmq-upgrade",
                                [LABEL.managedBy]: "pulumi",
                                // RocketMQ's pods run as the restricted profile allows.
                                "pod-security.kubernetes.io/enforce": "restricted",
                            },
                        },
                    },
                    { parent: this, provider: this.provider },
                ),
            );
        }
        this.namespaces = namespaces;
        this.backupClaim = new k8s.core.v1.PersistentVolumeClaim(
            BACKUP_CLAIM,
            {
                metadata: {
                    name: BACKUP_CLAIM,
                    namespace: this.placement.shared,
                    labels: labels("operation", "backups", "1"),
                },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.spec.storageClass,
                    resources: { requests: { storage: args.spec.storage.backup } },
                },
            },
            // Backups outlive any mistake in the program: Pulumi will not delete the claim.
            {
                parent: this,
                provider: this.provider,
                dependsOn: [namespaces.get(this.placement.shared)!],
                protect: true,
            },
        );
        this.registerOutputs({ namespaces: [...namespaces.keys()] });
    }
}
