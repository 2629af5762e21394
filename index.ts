/**
 * rocketmq-upgrade: reads and validates the stack config, declares the
 * upgrade, and exports what an operator needs to see.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./components/stackConfig";
import { RocketMQRuntime } from "./components/platform/local/runtime";

const config = loadStackConfig();
if (config.platform !== "local") {
    throw new pulumi.RunError(`rocketmq-upgrade:platform = "${config.platform}": only "local" is implemented so far`);
}

const blueRuntime = new RocketMQRuntime("blue-runtime", { version: config.blue.version });
const greenRuntime = new RocketMQRuntime("green-runtime", { version: config.green.version });

export const strategy = config.strategy;
export const trafficWeight = config.trafficWeight;
export const canaryStages = config.canaryStages;
export const blueVersion = blueRuntime.version;
export const blueHome = blueRuntime.home;
export const greenVersion = greenRuntime.version;
export const greenHome = greenRuntime.home;
