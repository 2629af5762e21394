import * as assert from "assert";
import { formatStatus, promotionBlockers, RolloutStatus } from "../../scripts/rolloutStatus";

function healthy(): RolloutStatus {
    const colour = (clusterName: string, version: string) => ({
        clusterName,
        version,
        expected: [`${clusterName}-a/0`, `${clusterName}-a/1`],
        registered: [`${clusterName}-a/0`, `${clusterName}-a/1`],
        putTps: 12.5,
        backlog: 0,
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
});
