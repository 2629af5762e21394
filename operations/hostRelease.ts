/**
 * A RocketMQ release on a machine of the hosts platform, the runbook's way: each version in its own directory
 * (`/opt/rocketmq-4.9.7`, `/opt/rocketmq-5.5.0`) and a link naming the active one. The release comes from the
 * operator's cache (resolved from Maven Central), never from the host's own network: production hosts often reach
 * no repository. It is copied once per host, checked by checksum, unpacked beside its final place and moved in
 * whole, so a host never holds half a release under the real name.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { sha256OfFile } from "./fileChecksum";
import { HostError, openHostShell, shellQuote, type CopyProgress, type HostAccess, type HostShell } from "./hostShell";
import type { RocketMQRuntime } from "./maven";

/** The oldest JDK RocketMQ 4.9 and 5.x run on. */
export const MIN_JAVA_MAJOR = 8;

/** The marker inside an installed release: the sha256 of the archive it came from. */
export const RELEASE_MARKER = ".rocketmq-upgrade-release";

/** The Java major version in `java -version`'s output ("1.8.0_392" is 8, "17.0.15" is 17). Pure. */
export function javaMajor(versionOutput: string): number | undefined {
    const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
    if (!m) {
        return undefined;
    }
    const first = Number(m[1]);
    return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/** The java a host runs RocketMQ with: `<javaHome>/bin/java`, or the first on its PATH. */
export function javaCommand(javaHome?: string): string {
    return javaHome ? `${javaHome.replace(/\/+$/, "")}/bin/java` : "java";
}

/**
 * Checks that the host has a JDK RocketMQ runs on, and returns its major version (the launch flags differ from 9
 * on). A host without one is refused naming the host, what was found and what to do.
 */
export async function checkJava(shell: HostShell, javaHome?: string): Promise<number> {
    const java = javaCommand(javaHome);
    const r = await shell.run(`${shellQuote(java)} -version`);
    const output = `${r.stderr}\n${r.stdout}`;
    const major = r.code === 0 ? javaMajor(output) : undefined;
    const fix = javaHome
        ? `install a JDK ${MIN_JAVA_MAJOR} or newer there, or correct hosts.${shell.host}.javaHome`
        : `install a JDK ${MIN_JAVA_MAJOR} or newer on its PATH, or set hosts.${shell.host}.javaHome`;
    if (major === undefined) {
        const said = output.trim().split("\n")[0] || `exit ${r.code}`;
        throw new HostError(shell.host, `has no usable JDK: \`${java} -version\` answered "${said}"; ${fix}`);
    }
    if (major < MIN_JAVA_MAJOR) {
        throw new HostError(
            shell.host,
            `has Java ${major} at ${java}, RocketMQ needs ${MIN_JAVA_MAJOR} or newer; ${fix}`,
        );
    }
    return major;
}

/** Where a version's release lives on a host. */
export function releaseDir(releaseRoot: string, version: string): string {
    return path.posix.join(releaseRoot, `rocketmq-${version}`);
}

/** The release's files packed once on the operator's machine, beside the cached release, with its sha256. */
export async function releaseArchive(runtime: RocketMQRuntime): Promise<{ file: string; sha256: string }> {
    const file = `${runtime.home}.release.tar.gz`;
    const sumFile = `${file}.sha256`;
    if (fs.existsSync(file) && fs.existsSync(sumFile)) {
        return { file, sha256: fs.readFileSync(sumFile, "utf8").trim() };
    }
    const staging = `${file}.${process.pid}.partial`;
    // Sorted names, fixed owner and times: the same release packs to the same bytes on every machine.
    execFileSync(
        "tar",
        [
            "--sort=name",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "--mtime=@0",
            "-czf",
            staging,
            "-C",
            runtime.home,
            "lib",
            "conf",
        ],
        { stdio: "pipe" },
    );
    const sha256 = sha256OfFile(staging);
    fs.renameSync(staging, file);
    fs.writeFileSync(sumFile, `${sha256}\n`);
    return { file, sha256 };
}

/** What installing a release on a host did. */
export interface ReleaseInstall {
    readonly dir: string;
    /** False when the host already had this exact release. */
    readonly copied: boolean;
}

/** The install of each release directory under way in this process, by host and directory. */
const installing = new Map<string, Promise<ReleaseInstall>>();

/**
 * Puts a release on a host under `<releaseRoot>/rocketmq-<version>`, unless the same archive is already there.
 * A directory of that name that this tool did not install (an operator's own release) is left alone and used.
 * Processes sharing a host start side by side (the loopback host holds a whole cluster): they wait for one copy,
 * since two unpacking into the same place would leave neither whole.
 */
export async function installRelease(
    shell: HostShell,
    runtime: RocketMQRuntime,
    releaseRoot: string,
    progress?: CopyProgress,
): Promise<ReleaseInstall> {
    const key = `${shell.host}\0${releaseDir(releaseRoot, runtime.version.text)}`;
    for (let earlier = installing.get(key); earlier; earlier = installing.get(key)) {
        // The copy just made is this one's too; after a failed one, the first waiter tries again.
        const done = await earlier.catch(() => undefined);
        if (done) {
            return { dir: done.dir, copied: false };
        }
        if (installing.get(key) === earlier) {
            installing.delete(key);
        }
    }
    const run = installOnce(shell, runtime, releaseRoot, progress);
    installing.set(key, run);
    try {
        return await run;
    } finally {
        if (installing.get(key) === run) {
            installing.delete(key);
        }
    }
}

async function installOnce(
    shell: HostShell,
    runtime: RocketMQRuntime,
    releaseRoot: string,
    progress?: CopyProgress,
): Promise<ReleaseInstall> {
    const dir = releaseDir(releaseRoot, runtime.version.text);
    const archive = await releaseArchive(runtime);
    const marker = await shell.run(`cat ${shellQuote(`${dir}/${RELEASE_MARKER}`)}`);
    if (marker.code === 0 && marker.stdout.trim() === archive.sha256) {
        return { dir, copied: false };
    }
    const present = await shell.run(`test -d ${shellQuote(`${dir}/lib`)}`);
    if (present.code === 0 && marker.code !== 0) {
        return { dir, copied: false };
    }
    const upload = path.posix.join(releaseRoot, `.rocketmq-${runtime.version.text}.tar.gz`);
    const unpacked = path.posix.join(releaseRoot, `.rocketmq-${runtime.version.text}.unpacked`);
    await shell.copyTo(archive.file, upload, progress);
    const q = shellQuote;
    await shell.mustRun(
        [
            `rm -rf ${q(unpacked)}`,
            `mkdir -p ${q(unpacked)}`,
            `tar -xzf ${q(upload)} -C ${q(unpacked)}`,
            `echo ${archive.sha256} > ${q(`${unpacked}/${RELEASE_MARKER}`)}`,
            `rm -rf ${q(dir)}`,
            `mv ${q(unpacked)} ${q(dir)}`,
            `rm -f ${q(upload)}`,
        ].join(" && "),
    );
    return { dir, copied: true };
}

/** A machine a release is staged on, and where its releases live there. */
export interface ReleaseHost {
    readonly access: HostAccess;
    readonly releaseRoot: string;
}

/**
 * Puts a release on every machine at once, before a roll takes its first broker down: one copy per host and release
 * root, the hosts side by side. A full disk or a failed checksum on the last host then stops the roll while every
 * broker still runs as it was, and no turn spends its time without writes on a copy. Every host is tried; the error
 * names each one that failed. Progress is a line per host and quarter of its copy.
 */
export async function stageReleaseOnHosts(
    hosts: readonly ReleaseHost[],
    runtime: RocketMQRuntime,
    progress: (msg: string) => void = () => {},
    open: (access: HostAccess) => Promise<HostShell> = openHostShell,
): Promise<ReleaseInstall[]> {
    const unique = new Map(hosts.map((h) => [`${h.access.name}\0${h.releaseRoot}`, h]));
    const version = runtime.version.text;
    const results = await Promise.allSettled(
        [...unique.values()].map(async ({ access, releaseRoot }) => {
            const shell = await open(access);
            try {
                let shown = -1;
                const done = await installRelease(shell, runtime, releaseRoot, (sent, total) => {
                    const quarter = Math.floor((4 * sent) / total);
                    if (quarter !== shown) {
                        shown = quarter;
                        progress(`host ${access.name}: copying RocketMQ ${version} (${quarter * 25}%)`);
                    }
                });
                progress(
                    `host ${access.name}: RocketMQ ${version} ${done.copied ? "staged" : "already"} in ${done.dir}`,
                );
                return done;
            } finally {
                await shell.close().catch(() => undefined);
            }
        }),
    );
    const failed = results.flatMap((r) =>
        r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
    );
    if (failed.length > 0) {
        throw new Error(`RocketMQ ${version} could not be staged on every host:\n  - ${failed.join("\n  - ")}`);
    }
    return results.map((r) => (r as PromiseFulfilledResult<ReleaseInstall>).value);
}

/**
 * Points a link at a release, replacing whatever it pointed at in one rename, so a reader sees the old release
 * or the new one and never neither.
 */
export async function pointLink(shell: HostShell, link: string, target: string): Promise<void> {
    const q = shellQuote;
    const staged = `${link}.next`;
    await shell.mustRun(
        `mkdir -p ${q(path.posix.dirname(link))} && ln -sfn ${q(target)} ${q(staged)} && mv -Tf ${q(staged)} ${q(link)}`,
    );
}

/** Where a link points, or undefined when there is none. */
export async function linkTarget(shell: HostShell, link: string): Promise<string | undefined> {
    const r = await shell.run(`readlink ${shellQuote(link)}`);
    return r.code === 0 ? r.stdout.trim() : undefined;
}
