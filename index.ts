/**
 * rocketmq-upgrade: reads and validates the stack config, declares the
 * clusters with their backup and verification, and exports what an operator
 * needs to see.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { UpgradeBackup } from "./components/backup";
import { DEFAULT_BENCHMARK } from "./runtime/benchmark";
import { RocketMQCluster } from "./components/cluster";
import { basePortOf } from "./components/config";
import { changeTrigger } from "./components/plan/triggers";
import { LocalPlatform } from "./components/platform/local";
import { loadStackConfig } from "./components/stackConfig";
import { UpgradeVerification } from "./components/verification";

const config = loadStackConfig();
if (config.platform !== "local") {
    throw new pulumi.RunError(`rocketmq-upgrade:platform = "${config.platform}": only "local" is implemented so far`);
}

// Each process's store, config and logs: .pulumi/local/<stack>/<cluster>/<process>/ (gitignored);
// backups in .pulumi/local/<stack>/backups/, verification reports in .pulumi/local/<stack>/reports/.
const platform = new LocalPlatform({ dataRoot: path.join(__dirname, ".pulumi", "local", pulumi.getStack()) });

const blue = new RocketMQCluster("blue", { spec: config.blue, platform, basePort: basePortOf(config, "blue") });
const trigger = changeTrigger(config.blue, config.trafficWeight);
const { baselineSeconds, ...backupSettings } = config.backup;
const { baselineTolerance, ...checkSettings } = config.verification;
const benchmark = baselineSeconds > 0 ? { ...DEFAULT_BENCHMARK, seconds: baselineSeconds } : undefined;
const blueBackup = new UpgradeBackup("blue", { cluster: blue, trigger, ...backupSettings, benchmark });
const blueVerification = new UpgradeVerification("blue", {
    cluster: blue,
    trigger,
    settings: checkSettings,
    after: [blueBackup],
    baseline: benchmark ? { result: blueBackup.baseline, benchmark, tolerance: baselineTolerance } : undefined,
});

export const strategy = config.strategy;
export const trafficWeight = config.trafficWeight;
export const canaryStages = config.canaryStages;
export const blueVersion = blue.version;
export const blueClusterName = blue.clusterName;
export const blueNameServers = blue.nameServerAddresses;
export const blueBrokers = blue.brokers;
export const blueProxyEndpoints = blue.proxyEndpoints;
export const blueBackupDir = blueBackup.backupDir;
export const blueVerificationReport = blueVerification.reportFile;
export const blueBaseline = blueBackup.baseline;
