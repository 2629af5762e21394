import * as assert from "assert";
import { retryableStartFailure } from "../../provider/processHandler";

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
