/**
 * The stack config of the hosts platform (issue 19): the machines, where each process of each colour goes, and a
 * running cluster to adopt. Parsed and checked here, at preview, so a typo in a host name or a key file that is
 * not a secret fails before any host is contacted. Not yet accepted as `platform`: the platform's components are
 * still being built, and this schema is what they will read.
 */
import { z } from "zod";
import type { ColourPlacement, HostSpec } from "../domain/hostPlacement";
import { HOST_DEFAULT_PORTS } from "../domain/hostPlacement";
import { intRange } from "./configRules";

const HOST_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const HOST_NAME_RULE = "must be a host name of lower-case letters, digits and '-' (1-31 characters)";
const hostName = z.string().regex(HOST_NAME, HOST_NAME_RULE);

/**
 * A record whose every key must match `pattern`: zod's own record refuses a bad key as "Invalid key in record",
 * which does not say what a key may be.
 */
function namedRecord<T extends z.ZodType>(pattern: RegExp, keyRule: string, value: T) {
    return z.record(z.string(), value).superRefine((record, ctx) => {
        for (const key of Object.keys(record)) {
            if (!pattern.test(key)) {
                ctx.addIssue({ code: "custom", path: [key], message: keyRule });
            }
        }
    });
}

const absolutePath = z
    .string()
    .regex(/^\/[A-Za-z0-9._/-]*$/, "must be an absolute path of letters, digits, '.', '_', '-' and '/'")
    .refine((p) => !p.split("/").includes(".."), { message: "must not contain '..'" });

/** A DNS name or an IPv4 address, as SSH and RocketMQ's clients will dial it. */
const hostAddress = z
    .string()
    .regex(
        /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/,
        "must be an IPv4 address or a DNS name",
    )
    .refine((a) => !/^[\d.]+$/.test(a) || (a.split(".").length === 4 && a.split(".").every((o) => Number(o) <= 255)), {
        message: "must be an IPv4 address or a DNS name",
    });

/** One machine. */
export const hostSchema = z
    .object({
        address: hostAddress,
        /** The operator's own machine: commands run in a local shell, no SSH. */
        local: z.boolean().default(false),
        sshPort: intRange(1, 65535).default(22),
        user: z
            .string()
            .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a POSIX user name")
            .default("root"),
        /** Pins the host key: its SHA256 fingerprint as `ssh-keygen -lf` prints it. Unset trusts the key offered. */
        hostKey: z
            .string()
            .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be a fingerprint as `ssh-keygen -lf` prints it, SHA256:…")
            .optional(),
        /** Each release goes to `<releaseRoot>/rocketmq-<version>`. */
        releaseRoot: absolutePath.default("/opt"),
        /** Each process's directory (config, store, logs, pid file) is `<dataRoot>/<process>`. */
        dataRoot: absolutePath.default("/data/rocketmq"),
        /** The JDK to run RocketMQ with; the first `java` on the host's PATH by default. */
        javaHome: absolutePath.optional(),
        /** How this host's processes are run: plain background processes with pid files, or systemd units. */
        processManager: z.enum(["process", "systemd"]).default("process"),
    })
    .strict();

export type HostConfig = z.infer<typeof hostSchema>;

/** Where each process of one colour goes. */
export const colourPlacementSchema = z
    .object({
        /** The host of each broker, keyed `<group>-<brokerId>`: "a-0" is group a's master, "a-1" its slave. */
        brokers: namedRecord(/^[a-h]-[0-2]$/, 'must be "<group letter>-<broker id>", e.g. "a-0"', hostName),
        /** One host per proxy, in order. */
        proxies: z.array(hostName).default([]),
        /** The first broker on a host listens here; a colour sharing hosts with the other needs its own. */
        brokerPort: intRange(1024, 65535 - 2 * 100).default(HOST_DEFAULT_PORTS.broker),
        /** The proxy's remoting port; its gRPC port is the next one. */
        proxyPort: intRange(1024, 65534).default(HOST_DEFAULT_PORTS.proxyRemoting),
    })
    .strict();

/** The hosts of the name servers and of each colour's processes. */
export const placementSchema = z
    .object({
        nameServers: z.array(hostName).min(1, { error: "list at least one host for the name servers" }),
        /** Required unless blue.adopt names where the running brokers are. */
        blue: colourPlacementSchema.optional(),
        green: colourPlacementSchema.optional(),
    })
    .strict();

/** A running cluster to take over without restarting it (`blue.adopt`). */
export const adoptSchema = z
    .object({
        /** Its name servers, host:port, as its clients know them. */
        nameServers: z
            .array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "must be host:port"))
            .min(1, { error: "list the running cluster's name servers" }),
        brokers: z
            .array(
                z
                    .object({
                        host: hostName,
                        /** The broker.conf it was started with, absolute on its host. */
                        brokerConf: absolutePath,
                        /** The release it runs from, e.g. /opt/rocketmq (often a link to /opt/rocketmq-4.9.7). */
                        releaseDir: absolutePath,
                    })
                    .strict(),
            )
            .min(1, { error: "list every broker of the running cluster" }),
        /** Destroying the stack stops an adopted broker only when this is true. */
        stopOnDestroy: z.boolean().default(false),
    })
    .strict();

export type PlacementConfig = z.infer<typeof placementSchema>;
export type AdoptConfig = z.infer<typeof adoptSchema>;

/** The domain's view of the configured hosts. */
export function hostSpecs(hosts: Readonly<Record<string, HostConfig>>): Map<string, HostSpec> {
    return new Map(
        Object.entries(hosts).map(([name, h]) => [
            name,
            {
                name,
                address: h.address,
                local: h.local,
                sshPort: h.sshPort,
                user: h.user,
                releaseRoot: h.releaseRoot,
                dataRoot: h.dataRoot,
            },
        ]),
    );
}

/** A colour's placement as the domain takes it. */
export function colourPlacement(p: z.infer<typeof colourPlacementSchema>): ColourPlacement {
    return { brokers: p.brokers, proxies: p.proxies, brokerPort: p.brokerPort, proxyPort: p.proxyPort };
}

/**
 * Rules across the hosts block that the schema cannot state: a host reached over SSH needs the private key (a
 * Pulumi secret), two hosts must not share an address and SSH port, and an adopted broker must sit on a listed
 * host. Each problem names the key, the value and what is allowed.
 */
export function hostsProblems(
    hosts: Readonly<Record<string, HostConfig>>,
    sshKeyIsSecret: boolean | undefined,
    namespace: string,
    adopt?: AdoptConfig,
): string[] {
    const problems: string[] = [];
    const remote = Object.entries(hosts)
        .filter(([, h]) => !h.local)
        .map(([n]) => n);
    if (remote.length > 0 && sshKeyIsSecret === undefined) {
        problems.push(
            `${namespace}:sshPrivateKey is not set: hosts ${remote.join(", ")} are reached over SSH; set it with ` +
                "`pulumi config set --secret sshPrivateKey < key-file`",
        );
    } else if (sshKeyIsSecret === false) {
        problems.push(
            `${namespace}:sshPrivateKey is stored in plain text: set it again with \`pulumi config set --secret\`, ` +
                "so it is encrypted in the stack's config and state",
        );
    }
    const byEndpoint = new Map<string, string>();
    for (const [name, h] of Object.entries(hosts)) {
        const endpoint = `${h.address}:${h.local ? "local" : h.sshPort}`;
        const other = byEndpoint.get(endpoint);
        if (other !== undefined) {
            problems.push(
                `${namespace}:hosts.${name}.address = "${h.address}": host ${other} has the same address` +
                    (h.local ? "" : ` and SSH port ${h.sshPort}`) +
                    "; list each machine once",
            );
        }
        byEndpoint.set(endpoint, name);
    }
    adopt?.brokers.forEach((b, i) => {
        if (!(b.host in hosts)) {
            problems.push(
                `${namespace}:blue.adopt.brokers[${i}].host = "${b.host}": no host of that name ` +
                    `(hosts: ${Object.keys(hosts).join(", ") || "none"})`,
            );
        }
    });
    return problems;
}

/** The machines, by name. */
export const hostsSchema = namedRecord(HOST_NAME, HOST_NAME_RULE, hostSchema);
