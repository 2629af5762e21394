/**
 * Resolves a RocketMQ release from Maven Central into a local "home" laid out
 * like the binary distribution: $home/lib/*.jar and $home/conf/.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { writeConfFiles } from "./releaseConf";
import { cacheRoot } from "./paths";
import { hasProxy, mustParseVersion, RocketMQVersion } from "../domain/versions";

const execFileAsync = promisify(execFile);

/** Pinned so that a cold and a warm resolution use the same plugin. */
export const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

const GROUP_ID = "org.apache.rocketmq";

/** A RocketMQ release that has been resolved onto disk. */
export interface RocketMQRuntime {
    readonly version: RocketMQVersion;
    /** The directory to pass as ROCKETMQ_HOME. */
    readonly home: string;
    /** Java classpath with every jar of the release. */
    readonly classpath: string;
}

/** The Maven artifacts one release needs: every server role plus mqadmin. */
export function runtimeArtifacts(version: RocketMQVersion): string[] {
    const artifacts = ["rocketmq-namesrv", "rocketmq-broker", "rocketmq-tools"];
    if (hasProxy(version)) {
        artifacts.push("rocketmq-proxy");
    }
    return artifacts;
}

/**
 * RocketMQ's own benchmark tool (the seed's benchmark.sh). 4.9.x releases of
 * rocketmq-example are not on Maven Central, so one 5.x release serves every
 * cluster: its remoting client talks to 4.9.x and 5.x brokers alike.
 */
export const BENCHMARK_VERSION = "5.5.0";

/** A throwaway POM whose only purpose is to let Maven compute the artifacts' runtime classpath. */
export function runtimePom(version: RocketMQVersion, artifacts: string[] = runtimeArtifacts(version)): string {
    const deps = artifacts
        .map(
            (a) =>
                `    <dependency><groupId>${GROUP_ID}</groupId><artifactId>${a}</artifactId>` +
                `<version>${version.text}</version></dependency>`,
        )
        .join("\n");
    return [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<project xmlns="http://maven.apache.org/POM/4.0.0">`,
        `  <modelVersion>4.0.0</modelVersion>`,
        `  <groupId>rocketmq-upgrade.runtime</groupId>`,
        `  <artifactId>rocketmq-${version.text}</artifactId>`,
        `  <version>1</version>`,
        `  <packaging>pom</packaging>`,
        `  <dependencies>`,
        deps,
        `  </dependencies>`,
        `</project>`,
        ``,
    ].join("\n");
}

/**
 * How Maven tells a repository's "not found" (HTTP 404 or 410, or such an
 * answer cached in the local repository) from every other transfer failure:
 * by this exception type, printed in the cause chain under `mvn -e`. Its
 * message is worded differently by each Maven release; the type is the
 * resolver's API and stays. Every failure exits 1 alike.
 */
export const NOT_FOUND_EXCEPTION = "org.eclipse.aether.transfer.ArtifactNotFoundException";

/** Maven's own summary lines of a failed run: its `[ERROR]` lines, without `-e`'s stack traces or colour codes. */
function errorSummary(mavenOutput: string): string[] {
    return (
        mavenOutput
            // eslint-disable-next-line no-control-regex
            .replace(/\x1b\[[0-9;]*m/g, "")
            .split("\n")
            .filter((l) => l.startsWith("[ERROR]") && l.trim() !== "[ERROR]")
    );
}

/**
 * Turns a failed `mvn -e` run into an error that names the version.
 * `exitCode` is Maven's (undefined when it did not run at all); whether the
 * repository answered "not found" is read from the exception type alone.
 */
export function describeResolutionFailure(version: string, exitCode: number | undefined, mavenOutput: string): string {
    const notFound = mavenOutput.split("\n").find((l) => l.includes(`${NOT_FOUND_EXCEPTION}:`));
    if (exitCode === 1 && notFound !== undefined) {
        return (
            `RocketMQ ${version} is not served by Maven Central (the repository answered "not found": ` +
            `${notFound.slice(notFound.indexOf(NOT_FOUND_EXCEPTION) + NOT_FOUND_EXCEPTION.length + 1).trim()}). ` +
            `Pick a released version that Maven Central serves, for example 4.9.7 or 5.5.0.`
        );
    }
    const summary = errorSummary(mavenOutput);
    const lines = summary.length > 0 ? summary : mavenOutput.trim().split("\n").slice(-15);
    return `Resolving RocketMQ ${version} from Maven Central failed (mvn exit code ${exitCode ?? "none"}):\n${lines.join("\n")}`;
}

function runtimeDir(kind: string, versionText: string): string {
    return path.join(cacheRoot(), kind, versionText);
}

function loadResolved(version: RocketMQVersion, home: string): RocketMQRuntime | undefined {
    const marker = path.join(home, "classpath.txt");
    if (!fs.existsSync(marker)) {
        return undefined;
    }
    return { version, home, classpath: fs.readFileSync(marker, "utf8").trim() };
}

/**
 * Returns the cached runtime for `versionText`, resolving it from Maven first
 * when needed. Resolution happens in a private directory that is renamed into
 * place, so concurrent callers and interrupted runs never see half a release.
 */
export async function resolveRuntime(
    versionText: string,
    log: (msg: string) => void = () => {},
): Promise<RocketMQRuntime> {
    const version = mustParseVersion(versionText);
    return resolveArtifacts("rocketmq", version, runtimeArtifacts(version), log);
}

/** The benchmark tool's classpath (rocketmq-example at BENCHMARK_VERSION). */
export async function resolveBenchmarkTool(log: (msg: string) => void = () => {}): Promise<RocketMQRuntime> {
    return resolveArtifacts("rocketmq-benchmark", mustParseVersion(BENCHMARK_VERSION), ["rocketmq-example"], log);
}

async function resolveArtifacts(
    kind: string,
    version: RocketMQVersion,
    artifacts: string[],
    log: (msg: string) => void,
): Promise<RocketMQRuntime> {
    const home = runtimeDir(kind, version.text);
    const cached = loadResolved(version, home);
    if (cached) {
        return cached;
    }

    const staging = `${home}.staging-${process.pid}-${Date.now()}`;
    fs.mkdirSync(path.join(staging, "lib"), { recursive: true });
    try {
        fs.writeFileSync(path.join(staging, "pom.xml"), runtimePom(version, artifacts));
        log(`resolving RocketMQ ${version.text} (${artifacts.join(", ")}) from Maven Central`);
        try {
            await execFileAsync(
                "mvn",
                [
                    "-B",
                    "-q",
                    // The cause chain carries NOT_FOUND_EXCEPTION.
                    "-e",
                    "-f",
                    path.join(staging, "pom.xml"),
                    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
                    "-DincludeScope=runtime",
                    `-DoutputDirectory=${path.join(staging, "lib")}`,
                ],
                { maxBuffer: 64 * 1024 * 1024 },
            );
        } catch (err) {
            const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
            throw new Error(
                describeResolutionFailure(
                    version.text,
                    typeof e.code === "number" ? e.code : undefined,
                    `${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`,
                ),
                { cause: err },
            );
        }
        writeConfFiles(path.join(staging, "conf"), version);
        const jars = fs
            .readdirSync(path.join(staging, "lib"))
            .filter((f) => f.endsWith(".jar"))
            .sort()
            .map((f) => path.join(home, "lib", f));
        fs.writeFileSync(path.join(staging, "classpath.txt"), jars.join(path.delimiter) + "\n");
        try {
            fs.renameSync(staging, home);
        } catch (err) {
            // Another resolver finished first; its copy is as good as ours.
            if (!loadResolved(version, home)) {
                throw err;
            }
        }
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
    const resolved = loadResolved(version, home);
    if (!resolved) {
        throw new Error(`RocketMQ ${version.text} resolved, but ${home} is incomplete`);
    }
    log(`RocketMQ ${version.text} ready in ${home}`);
    return resolved;
}
