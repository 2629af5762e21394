import * as assert from "assert";
import {
    compareVersions,
    hasExportMetadata,
    hasProxy,
    isSupportedLine,
    mustParseVersion,
    parseVersion,
    readsLogbackFromConfDir,
} from "../../domain/versions";

describe("RocketMQ versions", () => {
    it("parses MAJOR.MINOR.PATCH only", () => {
        assert.deepStrictEqual(parseVersion("4.9.7"), { major: 4, minor: 9, patch: 7, text: "4.9.7" });
        assert.strictEqual(parseVersion("5.5"), undefined);
        assert.strictEqual(parseVersion("5.5.0-SNAPSHOT"), undefined);
        assert.throws(() => mustParseVersion("five"), /RocketMQ version "five" is not of the form MAJOR.MINOR.PATCH/);
    });

    it("orders versions numerically, not as text", () => {
        assert.ok(compareVersions(mustParseVersion("4.9.10"), mustParseVersion("4.9.7")) > 0);
        assert.ok(compareVersions(mustParseVersion("5.0.0"), mustParseVersion("4.9.7")) > 0);
        assert.strictEqual(compareVersions(mustParseVersion("5.5.0"), mustParseVersion("5.5.0")), 0);
    });

    it("knows which lines and features each release has", () => {
        assert.ok(isSupportedLine(mustParseVersion("4.9.7")));
        assert.ok(!isSupportedLine(mustParseVersion("4.8.0")));
        assert.ok(readsLogbackFromConfDir(mustParseVersion("4.9.7")));
        assert.ok(!readsLogbackFromConfDir(mustParseVersion("5.5.0")));
        assert.ok(!hasProxy(mustParseVersion("5.0.0")));
        assert.ok(hasProxy(mustParseVersion("5.1.0")));
        assert.ok(!hasExportMetadata(mustParseVersion("4.9.1")));
        assert.ok(hasExportMetadata(mustParseVersion("4.9.2")));
    });
});
