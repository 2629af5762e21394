/**
 * rocketmq-upgrade: reads and validates the stack config and declares the
 * chosen strategy: blue-green (shared name servers, blue, green, their backup
 * and verification, the traffic split) or rolling (blue upgraded in place,
 * one broker at a time), and exports what an operator needs to see.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as AwsPieces from "./components/platforms/aws/awsPieces";
import { BlueGreenRocketMQ } from "./components/blueGreen";
import { RollingRocketMQ } from "./components/rolling";
import {
    addressServerOf,
    basePortOf,
    greenNameServerBasePort,
    kubernetesOf,
    nameServerVersionOf,
} from "./config/stackConfig";
import type * as KubernetesFoundationPieces from "./components/platforms/kubernetes/kubernetesFoundation";
import type * as KubernetesPieces from "./components/platforms/kubernetes/kubernetesPlatform";
import { loopbackPlatform } from "./components/platforms/hosts/loopbackPlatform";
import { loadStackConfig, sshPrivateKey } from "./config/pulumiStackConfig";
import { colourPlacement, hostSpecs } from "./config/hostsConfig";
import { HostsPlatform, type HostsPlatformArgs } from "./components/platforms/hosts/hostsPlatform";
import type { ClusterPlatform } from "./components/platforms/clusterPlatform";
import { discoverAdoptedCluster } from "./components/platforms/hosts/adoptedCluster";
import { HOST_DEFAULT_PORTS } from "./domain/hostPlacement";

const config = loadStackConfig();

// The provider SDKs load only for stacks that use them: each adds about a second to every Pulumi run.
/* eslint-disable @typescript-eslint/no-require-imports */
const loadKubernetesFoundation = () =>
    require("./components/platforms/kubernetes/kubernetesFoundation") as typeof KubernetesFoundationPieces;
const loadKubernetes = () => require("./components/platforms/kubernetes/kubernetesPlatform") as typeof KubernetesPieces;
const loadAws = () => require("./components/platforms/aws/awsPieces") as typeof AwsPieces;
/* eslint-enable @typescript-eslint/no-require-imports */

function kubernetesPlatform(): KubernetesPieces.KubernetesPlatform {
    const { KubernetesFoundation } = loadKubernetesFoundation();
    const { KubernetesPlatform } = loadKubernetes();
    const spec = kubernetesOf(config);
    const clusterNames = [config.blue.clusterName, ...(config.green ? [config.green.clusterName] : [])];
    const foundation = new KubernetesFoundation("kubernetes", { spec, clusterNames });
    return new KubernetesPlatform({ spec, foundation });
}

/** Platform "hosts": the machines and the placement the config checked, and the key as the secret it is. */
function hostsPlatform(adopted?: HostsPlatformArgs["adopted"]): HostsPlatform {
    const hosts = hostSpecs(config.hosts ?? {});
    const placement = config.placement!;
    return new HostsPlatform({
        adopted,
        hosts: new Map(
            [...hosts].map(([name, spec]) => {
                const h = config.hosts![name];
                return [name, { ...spec, hostKey: h.hostKey, javaHome: h.javaHome, processManager: h.processManager }];
            }),
        ),
        nameServerHosts: placement.nameServers,
        colours: new Map([
            ...(placement.blue ? [[config.blue.clusterName, colourPlacement(placement.blue)] as const] : []),
            ...(config.green && placement.green
                ? [[config.green.clusterName, colourPlacement(placement.green)] as const]
                : []),
        ]),
        privateKey: sshPrivateKey(),
        dataRoot: path.join(__dirname, ".pulumi", "local", pulumi.getStack()),
    });
}

/** `blue.adopt`: the running cluster, read from its hosts and name servers before anything is declared. */
function discoverAdopted(): Promise<HostsPlatformArgs["adopted"]> {
    const adopt = config.blue.adopt!;
    return discoverAdoptedCluster({
        hosts: [...hostSpecs(config.hosts ?? {}).values()].map((h) => ({
            name: h.name,
            address: h.address,
            local: h.local,
            sshPort: h.sshPort,
            user: h.user,
            hostKeyFingerprint: config.hosts![h.name].hostKey,
        })),
        privateKey: sshPrivateKey(),
        clusterName: config.blue.clusterName,
        nameServers: {
            entries: adopt.nameServers,
            hosts: config.placement!.nameServers,
            port: HOST_DEFAULT_PORTS.nameServer,
        },
        brokers: adopt.brokers.map((b, i) => ({
            key: `rocketmq-upgrade:blue.adopt.brokers[${i}]`,
            host: b.host,
            confPath: b.brokerConf,
            releaseDir: b.releaseDir,
        })),
        keepOnDestroy: !adopt.stopOnDestroy,
    });
}

// Local: each process's store, config and logs in .pulumi/local/<stack>/<cluster>/<process>/ (gitignored; name
// servers under namesrv/), releases in .pulumi/local/<stack>/releases/; backups in .pulumi/local/<stack>/backups/,
// reports in .pulumi/local/<stack>/reports/.
function platformOf(): ClusterPlatform {
    return config.platform === "kubernetes"
        ? kubernetesPlatform()
        : config.platform === "hosts"
          ? hostsPlatform()
          : loopbackPlatform({ dataRoot: path.join(__dirname, ".pulumi", "local", pulumi.getStack()) });
}

/** Every resource of the stack on `platform`, and the stack's outputs. */
function declareStack(platform: ClusterPlatform): Record<string, pulumi.Input<unknown>> {
    // AWS pieces: the hardened backup bucket first (backups upload to it), weighted DNS after the rollout's gates.
    const awsPieces = config.aws ? loadAws() : undefined;
    const awsProvider = config.aws && awsPieces ? awsPieces.awsProvider(config.aws.region) : undefined;
    const backupBucket =
        config.aws?.backupBucket && awsPieces
            ? new awsPieces.BackupBucket(
                  "backups",
                  { spec: config.aws.backupBucket, prefix: config.backup.s3?.prefix ?? "rocketmq-backups" },
                  { providers: awsProvider ? [awsProvider] : [] },
              )
            : undefined;

    const nameServer = { ...config.nameServer, version: nameServerVersionOf(config) };
    const rollout =
        config.strategy === "rolling"
            ? new RollingRocketMQ(
                  "rocketmq",
                  {
                      platform,
                      nameServer,
                      cluster: config.blue,
                      basePort: basePortOf(config, "blue"),
                      roll: config.rolling,
                      backup: config.backup,
                      verification: config.verification,
                  },
                  { dependsOn: backupBucket ? [backupBucket] : [] },
              )
            : new BlueGreenRocketMQ(
                  "rocketmq",
                  {
                      platform,
                      nameServer,
                      blue: config.blue,
                      green: config.green,
                      basePorts: { blue: basePortOf(config, "blue"), green: basePortOf(config, "green") },
                      trafficWeight: config.trafficWeight,
                      canaryStages: config.canaryStages,
                      // A one-shot override for the operator (see README.md), never a stored setting.
                      forceWeightChange: process.env.ROCKETMQ_UPGRADE_FORCE_WEIGHT === "1",
                      topics: config.topics,
                      consumerGroups: config.consumerGroups,
                      orderedCutover: config.orderedCutover,
                      retireBlue: config.retireBlue,
                      drainTimeoutSeconds: config.drainTimeoutSeconds,
                      retirement: config.retirement,
                      backup: config.backup,
                      verification: config.verification,
                      isolated:
                          config.routing === "isolated"
                              ? {
                                    greenNameServer: {
                                        ...config.nameServer,
                                        version: config.green?.version ?? config.blue.version,
                                        basePort: greenNameServerBasePort(config),
                                    },
                                    addressServer: addressServerOf(config),
                                }
                              : undefined,
                  },
                  { dependsOn: backupBucket ? [backupBucket] : [] },
              );
    const grpcDns =
        config.aws?.dns && awsPieces
            ? new awsPieces.WeightedProxyDns(
                  "grpc",
                  { spec: config.aws.dns, weight: config.trafficWeight },
                  { providers: awsProvider ? [awsProvider] : [], dependsOn: [rollout] },
              )
            : undefined;

    /**
     * The stack's outputs: what every stack has, then what the chosen strategy, routing and cloud pieces have. A value
     * a stack does not have is left out, so `up` never warns of an undefined output.
     */
    const stackOutputs: Record<string, pulumi.Input<unknown>> = {
        strategy: config.strategy,
        routing: config.routing,
        trafficWeight: config.trafficWeight,
        canaryStages: config.canaryStages,
        ...rollout.stackOutputs(),
        ...(backupBucket ? { backupBucketName: backupBucket.bucketName } : {}),
        // Isolated routing on AWS: the name 5.x gRPC clients dial, and each colour's record weight.
        ...(grpcDns ? { grpcDnsName: grpcDns.name, grpcDnsWeights: grpcDns.weights } : {}),
    };
    return stackOutputs;
}

// An adopted cluster is read from its hosts first: the stack is laid out as it runs.
export = config.platform === "hosts" && config.blue.adopt
    ? discoverAdopted().then((adopted) => declareStack(hostsPlatform(adopted)))
    : declareStack(platformOf());
