import * as assert from "assert";
import { describeResolutionFailure, runtimeArtifacts, runtimePom } from "../../runtime/maven";
import { mustParseVersion } from "../../runtime/versions";

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

    it("names the version when Maven Central does not serve it", () => {
        const out =
            "[ERROR] Failed to execute goal ... org.apache.rocketmq:rocketmq-namesrv:jar:4.9.8 was not found in ...";
        assert.strictEqual(
            describeResolutionFailure("4.9.8", out),
            "RocketMQ 4.9.8 is not served by Maven Central (org.apache.rocketmq:rocketmq-namesrv:jar:4.9.8 was not found). " +
                "Pick a released version that Maven Central serves, for example 4.9.7 or 5.5.0.",
        );
    });

    it("keeps Maven's last lines for any other failure", () => {
        assert.match(
            describeResolutionFailure("5.5.0", "line1\nNetwork is unreachable"),
            /5.5.0.*\n.*Network is unreachable/s,
        );
    });
});
