/**
 * The resources of the hosts platform: rocketmq:hosts:Inventory, the machines checked together before anything
 * is changed on any of them, and rocketmq:hosts:Process, one RocketMQ server on one machine reached over SSH (or a
 * machine marked local). The one definition of their inputs and outputs, which components/platforms/hosts/
 * declares and provider/hostProcessHandler.ts and provider/hostInventoryHandler.ts decode.
 */
import { z } from "zod";
import type { RollReport } from "../domain/rollSettings";
import { groupRole, rollSettings, secretText, serverRole } from "./sharedShapes";

/** What a broker's turn of the roll needs beyond its own identity. */
export const brokerRollInputs = z.object({
    groupRole: groupRole,
    /** `host:port` of the broker, as its peers and the name servers know it. */
    address: z.string(),
    /** The rest of its group: the master for a slave, the slaves for a master. */
    peers: z.array(z.object({ brokerId: z.number(), address: z.string() })),
    settings: rollSettings,
    /** The pre-roll backup, whose metadata record the turn compares the brokers with ("" for none). */
    baselineDir: z.string().optional(),
});
export type BrokerRollInputs = z.infer<typeof brokerRollInputs>;

export const HOST_INVENTORY_TYPE = "rocketmq:hosts:Inventory";
export const HOST_PROCESS_TYPE = "rocketmq:hosts:Process";

/** How the provider reaches one machine; the key travels beside it as a secret. */
export const hostAccessInputs = z.object({
    /** The host's name in the stack config: every message about it starts `host <name>:`. */
    name: z.string(),
    address: z.string(),
    /** The operator's own machine: a local shell, no SSH. */
    local: z.boolean(),
    sshPort: z.number(),
    user: z.string(),
    /** The pinned host key's SHA256 fingerprint; unset trusts the key offered. */
    hostKeyFingerprint: z.string().optional(),
});
export type HostAccessInputs = z.infer<typeof hostAccessInputs>;

export const hostInventoryInputs = z.object({
    hosts: z.array(
        z.object({
            access: hostAccessInputs,
            /** The JDK RocketMQ runs with on this host; the first `java` on its PATH when unset. */
            javaHome: z.string().optional(),
        }),
    ),
    /** The stack's SSH private key (a Pulumi secret); absent when every host is local. */
    privateKey: secretText.optional(),
});
export type HostInventoryInputs = z.infer<typeof hostInventoryInputs>;

export interface HostInventoryOutputs {
    /** Each host's Java major version, by host name, as last checked. */
    javaMajors: Record<string, number>;
}
export const HOST_INVENTORY_OUTPUTS = ["javaMajors"] as const satisfies readonly (keyof HostInventoryOutputs)[];

export const hostProcessInputs = z.object({
    role: serverRole,
    /** The process's name, e.g. blue-broker-a-0: names its systemd unit and every message about it. */
    name: z.string(),
    /** The RocketMQ release to run; changing it restarts the process in place on the same store. */
    version: z.string(),
    host: hostAccessInputs,
    privateKey: secretText.optional(),
    /** Releases live under `<releaseRoot>/rocketmq-<version>` on the host, one directory per version. */
    releaseRoot: z.string(),
    /** The process's own directory on its host (config, store, logs, pid file). Changing it replaces the process. */
    dir: z.string(),
    /** The config file: properties for name servers and brokers, JSON for proxies. */
    config: z.string(),
    /** The port that must accept connections, at the host's address, before the process counts as serving. */
    servicePort: z.number(),
    heapMb: z.number(),
    /** The host's JDK; the first `java` on its PATH when unset. */
    javaHome: z.string().optional(),
    /** Plain background processes with pid files, or systemd units. */
    manager: z.enum(["process", "systemd"]),
    /** Brokers only: the process serves once these name servers list it under this name and id. */
    registration: z.object({ nameServers: z.string(), brokerName: z.string(), brokerId: z.number() }).optional(),
    /** Keep the process stopped (its directory stays): how a retired colour's servers are held. */
    stopped: z.boolean().optional(),
    /** Brokers of a rolling-strategy cluster: a restart of the running broker is its turn of the roll. */
    roll: brokerRollInputs.optional(),
    /**
     * A process that ran before the stack existed (`blue.adopt`): the first `up` takes it over by its pid without a
     * restart. Later restarts start it the tool's way in `dir`; a broker keeps the operator's broker.conf.
     */
    adopted: z
        .object({
            /** The pid the program's discovery found it running as. */
            pid: z.number(),
            /** The release the discovery read from its classpath: the takeover refuses another than `version`. */
            runningVersion: z.string(),
            /** Brokers: the broker.conf the operator declared, marked on the command line of later restarts. */
            confPath: z.string().optional(),
            /** Destroying the stack leaves the process running (the default for an adopted cluster). */
            keepOnDestroy: z.boolean(),
        })
        .optional(),
});
export type HostProcessInputs = z.infer<typeof hostProcessInputs>;

export interface HostProcessOutputs {
    /** The pid on its host (0 after a refresh found it gone). */
    pid: number;
    running: boolean;
    /** The release directory the process's link points at. */
    release: string;
    /** The JVM's console output, on the host. */
    stdoutLog: string;
    /** Brokers of a rolling cluster: what their last turn of the roll did, step by step. */
    lastRoll?: RollReport;
}
export const HOST_PROCESS_OUTPUTS = [
    "pid",
    "running",
    "release",
    "stdoutLog",
    "lastRoll",
] as const satisfies readonly (keyof HostProcessOutputs)[];
