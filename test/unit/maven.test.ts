import * as assert from "assert";
import { describeResolutionFailure, NOT_FOUND_EXCEPTION, runtimeArtifacts, runtimePom } from "../../operations/maven";
import { mustParseVersion } from "../../domain/versions";

describe("Maven runtime resolution", () => {
    it("asks for the proxy only on releases that have one", () => {
        assert.deepStrictEqual(runtimeArtifacts(mustParseVersion("4.9.7")), [
            "rocketmq-namesrv",
            "rocketmq-broker",
            "rocketmq-tools",
        ]);
        assert.ok(runtimeArtifacts(mustParseVersion("5.5.0")).includes("rocketmq-proxy"));
    });

    it("writes a POM that depends on every artifact at the requested version", () => {
        const pom = runtimePom(mustParseVersion("5.5.0"));
        for (const a of runtimeArtifacts(mustParseVersion("5.5.0"))) {
            assert.ok(pom.includes(`<artifactId>${a}</artifactId><version>5.5.0</version>`), a);
        }
    });

    // Shaped like `mvn -B -q -e` output: Maven's [ERROR] summary, then the cause chain. The messages are
    // made up on purpose: only the exception type and the exit code may decide.
    function mavenRun(exceptionType: string, message: string): string {
        return [
            "\x1b[0m\x1b[0m[ERROR] Failed to execute goal on project rocketmq-4.9.8: any wording -> [Help 1]",
            "org.apache.maven.lifecycle.LifecycleExecutionException: any wording",
            "\tat org.apache.maven.lifecycle.internal.LifecycleDependencyResolver.getDependencies (LifecycleDependencyResolver.java:269)",
            `Caused by: ${exceptionType}: ${message}`,
            "\tat org.eclipse.aether.internal.impl.DefaultArtifactResolver.resolve (DefaultArtifactResolver.java:425)",
            "[ERROR] ",
            "[ERROR] [Help 1] https://example.invalid/DependencyResolutionException",
        ].join("\n");
    }

    it("names the version when the repository answered not found, whatever Maven's wording", () => {
        assert.strictEqual(
            describeResolutionFailure("4.9.8", 1, mavenRun(NOT_FOUND_EXCEPTION, "wording of some release")),
            'RocketMQ 4.9.8 is not served by Maven Central (the repository answered "not found": wording of some release). ' +
                "Pick a released version that Maven Central serves, for example 4.9.7 or 5.5.0.",
        );
    });

    it("does not call a transfer failure 'not served', however it is worded", () => {
        const out = mavenRun(
            "org.eclipse.aether.transfer.ArtifactTransferException",
            "Could not find artifact org.apache.rocketmq:rocketmq-namesrv:jar:4.9.8 was not found (500)",
        );
        assert.strictEqual(
            describeResolutionFailure("4.9.8", 1, out),
            "Resolving RocketMQ 4.9.8 from Maven Central failed (mvn exit code 1):\n" +
                "[ERROR] Failed to execute goal on project rocketmq-4.9.8: any wording -> [Help 1]\n" +
                "[ERROR] [Help 1] https://example.invalid/DependencyResolutionException",
        );
    });

    it("does not call it 'not served' unless Maven itself failed the build (exit code 1)", () => {
        const out = mavenRun(NOT_FOUND_EXCEPTION, "x");
        for (const code of [undefined, 127]) {
            assert.doesNotMatch(describeResolutionFailure("4.9.8", code, out), /not served/, `exit code ${code}`);
        }
    });

    it("keeps the last lines when Maven printed no summary", () => {
        assert.match(
            describeResolutionFailure("5.5.0", undefined, "line1\nspawn mvn ENOENT"),
            /^Resolving RocketMQ 5\.5\.0 from Maven Central failed \(mvn exit code none\):\nline1\nspawn mvn ENOENT$/,
        );
    });
});
