import * as assert from "assert";
import { configHash } from "../../operations/launcher";
import { diedDuringTurn, readOnly, retryableStartFailure } from "../../provider/hostProcessHandler";

describe("which failed starts are worth a second start", () => {
    it("retries a proxy that exited because its system topic's route came too late, and nothing else", () => {
        const proxyLog =
            "proxy in /x exited during startup. Last output (/x/stdout.log):\norg.apache.rocketmq.proxy.common.ProxyException: " +
            "create system broadcast topic DefaultHeartBeatSyncerTopic failed on cluster green";
        assert.strictEqual(retryableStartFailure("proxy", proxyLog), true);
        assert.strictEqual(retryableStartFailure("broker", proxyLog), false);
        assert.strictEqual(
            retryableStartFailure("proxy", "proxy in /x exited during startup: port collision, a port it binds …"),
            false,
        );
    });
});

describe("whether a broker found dead died during its master's turn of a roll", () => {
    const declared = { version: "5.5.0", heapMb: 256, servicePort: 10911, config: "brokerName=blue-a\nbrokerId=0\n" };
    const launched = (shape: typeof declared) => ({
        pid: 42,
        version: shape.version,
        heapMb: shape.heapMb,
        servicePort: shape.servicePort,
        configSha256: configHash(shape.config),
        startedAt: "2026-12-03T14:00:00.000Z",
    });

    it("is so when its last start was the turn's: the declared release without write permission", () => {
        assert.strictEqual(diedDuringTurn(false, launched(readOnly(declared)), declared), true);
    });

    it("is not so when it still runs, was started writable, ran another release, or left no record", () => {
        assert.strictEqual(diedDuringTurn(true, launched(readOnly(declared)), declared), false);
        assert.strictEqual(diedDuringTurn(false, launched(declared), declared), false);
        assert.strictEqual(
            diedDuringTurn(false, launched(readOnly({ ...declared, version: "4.9.7" })), declared),
            false,
        );
        assert.strictEqual(diedDuringTurn(false, undefined, declared), false);
    });
});
