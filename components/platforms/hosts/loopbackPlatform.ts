/**
 * The local platform: the hosts platform with one host, this machine, reached through a local shell. The embedded
 * local stack runs every server there on loopback, blue and green side by side at their plans' ports, so every
 * gate, roll and backup it exercises is the one that runs on the operator's machines.
 */
import * as os from "os";
import * as path from "path";
import type { MachinePlatformArgs } from "../machines/machinePlatform";
import { HostsPlatform, type HostMachine, type HostsPlatformArgs } from "./hostsPlatform";

/** The one host's name: every message about a process of the local stack starts `host local:`. */
export const LOOPBACK_HOST = "local";

/** This machine as the local stack's one host; its releases and processes live under `dataRoot`. */
export function loopbackHost(dataRoot: string): HostMachine {
    return {
        name: LOOPBACK_HOST,
        address: "127.0.0.1",
        local: true,
        // Unused without SSH; recorded as who the local shell runs as.
        sshPort: 22,
        user: os.userInfo().username,
        releaseRoot: path.join(dataRoot, "releases"),
        dataRoot,
        processManager: "process",
    };
}

/**
 * RocketMQ on this machine: each process in `<dataRoot>/<cluster>/<process>` (name servers under their set's
 * name), each release copied once into `<dataRoot>/releases/rocketmq-<version>`.
 */
export function loopbackPlatform(args: MachinePlatformArgs): HostsPlatform {
    return new HostsPlatform(loopbackPlatformArgs(args));
}

/** The hosts platform's arguments for {@link loopbackPlatform}. */
export function loopbackPlatformArgs(args: MachinePlatformArgs): HostsPlatformArgs {
    return {
        hosts: new Map([[LOOPBACK_HOST, loopbackHost(args.dataRoot)]]),
        nameServerHosts: [],
        colours: new Map(),
        dataRoot: args.dataRoot,
        store: args.store,
        plannedOn: LOOPBACK_HOST,
    };
}
