/**
 * rocketmq-upgrade: reads and validates the stack config, declares the
 * clusters, and exports what an operator needs to see.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RocketMQCluster } from "./components/cluster";
import { basePortOf } from "./components/config";
import { LocalPlatform } from "./components/platform/local";
import { loadStackConfig } from "./components/stackConfig";

const config = loadStackConfig();
if (config.platform !== "local") {
    throw new pulumi.RunError(`rocketmq-upgrade:platform = "${config.platform}": only "local" is implemented so far`);
}

// Each process's store, config and logs: .pulumi/local/<stack>/<cluster>/<process>/ (gitignored).
const platform = new LocalPlatform({ dataRoot: path.join(__dirname, ".pulumi", "local", pulumi.getStack()) });

const blue = new RocketMQCluster("blue", { spec: config.blue, platform, basePort: basePortOf(config, "blue") });

export const strategy = config.strategy;
export const trafficWeight = config.trafficWeight;
export const canaryStages = config.canaryStages;
export const blueVersion = blue.version;
export const blueClusterName = blue.clusterName;
export const blueNameServers = blue.nameServerAddresses;
export const blueBrokers = blue.brokers;
export const blueProxyEndpoints = blue.proxyEndpoints;
