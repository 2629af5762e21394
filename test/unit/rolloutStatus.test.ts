import * as assert from "assert";
import {
    formatStageChange,
    formatStatus,
    promotionBlockers,
    RolloutStatus,
    writeBlock,
} from "../../scripts/rolloutStatus";

function healthy(): RolloutStatus {
    const colour = (clusterName: string, version: string) => ({
        clusterName,
        version,
        expected: [`${clusterName}-a/0`, `${clusterName}-a/1`],
        registered: [`${clusterName}-a/0`, `${clusterName}-a/1`],
        putTps: 12.5,
        backlog: 0,
        pending: { scheduled: 0, half: 0, timers: 0, deadLetters: 0 },
        writeBlocked: [] as string[],
    });
    return {
        weight: 10,
        stages: [10, 30, 50, 100],
        next: 30,
        appliedAt: "2026-11-25T10:00:00.000Z",
        soakLeftSeconds: 0,
        shares: { Orders: 10 },
        blue: colour("blue", "4.9.7"),
        green: colour("green", "5.5.0"),
        greenVerified: true,
    };
}

describe("promotion gate", () => {
    it("lets a healthy, verified, soaked stage move on", () => {
        assert.deepStrictEqual(promotionBlockers(healthy()), []);
    });

    it("names each reason to stay: verification, an unregistered broker, the soak, the last stage", () => {
        const s = healthy();
        s.greenVerified = false;
        s.green!.registered = ["green-a/0"];
        s.soakLeftSeconds = 40;
        assert.deepStrictEqual(promotionBlockers(s), [
            "green's last verification did not pass (see greenVerificationReport)",
            "green is not healthy: green-a/1 not registered",
            "stage 10 has soaked too briefly: 40s left of promotion.minSoakSeconds",
        ]);
        assert.match(promotionBlockers({ ...healthy(), weight: 100, next: undefined })[0], /already at the last stage/);
    });

    it("prints stage, both colours and each topic's share", () => {
        const text = formatStatus(healthy());
        assert.match(text, /^stage: weight 10% of \[10, 30, 50, 100\]; next: 30/);
        assert.match(text, /green\s+green\s+5\.5\.0\s+2\/2\s+12\.5\s+0/);
        assert.match(text, /Orders\s+10\.0%/);
    });

    it("shows each colour's pending scheduled, half, timer and dead-letter counts, and every master without writes", () => {
        const s = healthy();
        s.blue.pending = { scheduled: 120, half: 3, timers: 7, deadLetters: 40 };
        s.blue.writeBlocked = ["blue-a (write permission wiped on the name servers)"];
        s.green!.pending = undefined;
        const text = formatStatus(s);
        assert.match(
            text,
            /colour\s+cluster\s+version\s+registered\s+put TPS\s+backlog\s+scheduled\s+half\s+timer\s+dead letters/,
        );
        assert.match(text, /blue\s+blue\s+4\.9\.7\s+2\/2\s+12\.5\s+0\s+120\s+3\s+7\s+40/);
        assert.match(text, /green\s+green\s+5\.5\.0\s+2\/2\s+12\.5\s+0\s+\?\s+\?\s+\?\s+\?/);
        assert.match(text, /blue: no write permission on blue-a \(write permission wiped on the name servers\)/);
    });

    it("tells a broker's own read-only permission from a name-server wipe", () => {
        assert.strictEqual(writeBlock("blue-a", 4, 6), "blue-a (brokerPermission 4)");
        assert.strictEqual(writeBlock("blue-a", 6, 4), "blue-a (write permission wiped on the name servers)");
        assert.strictEqual(writeBlock("blue-a", 6, 6), undefined);
        assert.strictEqual(writeBlock("blue-a", undefined, undefined), undefined);
    });
});

describe("what a promotion reports once its up is done", () => {
    const view = {
        weight: 30,
        stages: [10, 30, 50, 100],
        minSoakSeconds: 600,
        appliedAt: "2026-12-01T10:00:00.000Z",
        nameServers: "127.0.0.1:9876",
        blue: { clusterName: "blue", version: "4.9.7", brokers: {} },
        greenVerified: true,
    };

    it("names the new stage, the next one, the soak left and each topic's applied green share", () => {
        const text = formatStageChange(view, { Orders: 30, Audit: 25 }, new Date("2026-12-01T10:01:40.000Z"));
        assert.match(
            text,
            /^stage: weight 30% of \[10, 30, 50, 100\]; next: 50; applied 2026-12-01T10:00:00\.000Z, soak left 500s$/m,
        );
        assert.match(text, /^Audit +25\.0% *$/m);
        assert.match(text, /^Orders +30\.0% *$/m);
        assert.match(text, /npm run status/);
    });

    it("leaves the share table out when the stack applies none (isolated routing)", () => {
        assert.doesNotMatch(formatStageChange(view, undefined), /green share/);
    });
});
