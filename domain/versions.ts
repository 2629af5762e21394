/**
 * RocketMQ version facts that decide how a process is launched and which
 * upgrade paths are allowed. Pure functions only: no I/O.
 */

/** A parsed RocketMQ release version such as 4.9.7 or 5.5.0. */
export interface RocketMQVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
    /** The version exactly as written, e.g. "5.5.0". */
    readonly text: string;
}

const VERSION_PATTERN = /^(\d+)\.(\d+)\.(\d+)$/;

/** Parses "X.Y.Z"; returns undefined for anything else (pre-release tags are not RocketMQ releases we run). */
export function parseVersion(text: string): RocketMQVersion | undefined {
    const match = VERSION_PATTERN.exec(text.trim());
    if (!match) {
        return undefined;
    }
    return {
        major: Number(match[1]),
        minor: Number(match[2]),
        patch: Number(match[3]),
        text: text.trim(),
    };
}

/** Like parseVersion, but throws an error naming the bad value. */
export function mustParseVersion(text: string): RocketMQVersion {
    const parsed = parseVersion(text);
    if (!parsed) {
        throw new Error(`RocketMQ version "${text}" is not of the form MAJOR.MINOR.PATCH (for example 4.9.7 or 5.5.0)`);
    }
    return parsed;
}

export function compareVersions(a: RocketMQVersion, b: RocketMQVersion): number {
    return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The release lines this project can run and upgrade between. */
export function isSupportedLine(v: RocketMQVersion): boolean {
    return (v.major === 4 && v.minor === 9) || v.major === 5;
}

/** 4.9.x reads logback XML from $ROCKETMQ_HOME/conf; 5.x ships its logback files inside the jars. */
export function readsLogbackFromConfDir(v: RocketMQVersion): boolean {
    return v.major === 4;
}

/** The seed: the Proxy and gRPC arrive with 5.1, so only 5.1+ clusters get proxies. */
export function hasProxy(v: RocketMQVersion): boolean {
    return v.major > 5 || (v.major === 5 && v.minor >= 1);
}

/** `exportMetadata` and `exportConfigs` were added to mqadmin in 4.9.2. */
export function hasExportMetadata(v: RocketMQVersion): boolean {
    return compareVersions(v, { major: 4, minor: 9, patch: 2, text: "4.9.2" }) >= 0;
}

/**
 * 4.9.x reaches into java.nio internals to unmap commit-log files; JDK 17
 * refuses that unless the packages are opened. 5.x does the same in places,
 * so the flags are harmless there and we pass them to every version.
 */
export function jdk17ModuleFlags(): string[] {
    return [
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    ];
}
