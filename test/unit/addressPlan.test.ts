import * as assert from "assert";
import {
    addressServerConfig,
    colourOfClient,
    greenThreshold,
    latestColours,
    murmurHash2,
    parseClientLog,
    splitEntries,
} from "../../domain/addressPlan";
import { addressServerInputFailures } from "../../provider/addressServerHandler";

const CLIENTS = Array.from({ length: 1000 }, (_, i) => `orders-api-${i}`);
const WEIGHTS = Array.from({ length: 101 }, (_, w) => w);

describe("isolated routing's client split (nginx split_clients, modelled)", () => {
    it("answers as nginx 1.22 did for these identities at 30 % (recorded from a real server)", () => {
        const answered = ["a", "b", "c", "d", "e", "f", "g", "h"].map((c) => colourOfClient(c, 30));
        assert.deepStrictEqual(answered, ["blue", "blue", "green", "blue", "blue", "blue", "blue", "green"]);
        assert.strictEqual(murmurHash2(""), 0);
    });

    // Sticky (one answer per identity and weight) holds by construction: the answer is a threshold on the
    // identity's own hash. The isolated integration test checks it against nginx, poll after poll.
    it("is monotonic over 1,000 clients: a client on green at w stays on green at every higher weight", () => {
        for (const c of CLIENTS) {
            let greenSince: number | undefined;
            for (const w of WEIGHTS) {
                const colour = colourOfClient(c, w);
                if (greenSince !== undefined) {
                    assert.strictEqual(colour, "green", `${c} was green at ${greenSince} but is ${colour} at ${w}`);
                } else if (colour === "green") {
                    greenSince = w;
                }
            }
            assert.strictEqual(colourOfClient(c, 0), "blue");
            assert.strictEqual(colourOfClient(c, 100), "green");
        }
    });

    it("puts close to the weight's share of 1,000 clients on green at every weight", () => {
        for (const w of WEIGHTS) {
            const share = (100 * CLIENTS.filter((c) => colourOfClient(c, w) === "green").length) / CLIENTS.length;
            // Four standard deviations of a binomial share over 1,000 clients is at most 6.3 points.
            assert.ok(Math.abs(share - w) <= 6.3, `weight ${w}: ${share}% of clients on green`);
        }
    });

    it("raises the threshold with the weight, as nginx's cumulative percentages do", () => {
        for (let w = 1; w <= 100; w++) {
            assert.ok(greenThreshold(w) > greenThreshold(w - 1));
        }
        assert.strictEqual(greenThreshold(100), 0xffffffff);
    });

    it("writes exact entries at 0 and 100 (nginx refuses 0%) and green first in between", () => {
        assert.deepStrictEqual(splitEntries(0, true), ["* blue;"]);
        assert.deepStrictEqual(splitEntries(30, false), ["* blue;"]);
        assert.deepStrictEqual(splitEntries(100, true), ["* green;"]);
        assert.deepStrictEqual(splitEntries(30, true), ["30% green;", "* blue;"]);
        const conf = addressServerConfig({
            dir: "/srv/as",
            port: 18080,
            host: "127.0.0.1",
            blueNameServers: "10.0.0.1:9876;10.0.0.2:9876",
            greenNameServers: "10.0.1.1:9876",
            weight: 30,
        });
        assert.match(conf, /split_clients "\$\{rmq_client\}" \$rmq_colour \{\n\s+30% green;\n\s+\* blue;\n\s+\}/);
        assert.match(conf, /green "10.0.1.1:9876";\n\s+default "10.0.0.1:9876;10.0.0.2:9876";/);
        assert.match(conf, /listen 127.0.0.1:18080;/);
        assert.match(conf, /return 200 "30\\n";/);
    });

    it("reads each client's latest answer from the poll log", () => {
        const polls = parseClientLog(
            ["1700000000.100 a blue", "1700000001.000 b green", "garbage", "1700000002.500 a green", ""].join("\n"),
        );
        assert.strictEqual(polls.length, 3);
        assert.deepStrictEqual(
            [...latestColours(polls)],
            [
                ["a", "green"],
                ["b", "green"],
            ],
        );
        assert.deepStrictEqual([...latestColours(polls, 1700000001500)], [["a", "green"]]);
    });
});

describe("the address server's input check (preview)", () => {
    const stages = [10, 30, 50, 100];
    const news = (weight: unknown, extra: Record<string, unknown> = {}) => ({
        weight,
        canaryStages: stages,
        greenNameServers: "127.0.0.1:19886",
        ...extra,
    });

    it("takes the next stage, a rollback to 0 and a forced skip", () => {
        assert.deepStrictEqual(addressServerInputFailures(news(10), { weight: 0 }), []);
        assert.deepStrictEqual(addressServerInputFailures(news(0), { weight: 50 }), []);
        assert.deepStrictEqual(addressServerInputFailures(news(100, { forceWeightChange: true }), { weight: 0 }), []);
    });

    it("refuses a skipped stage, a weight out of range and a weight without green, naming the weight", () => {
        assert.match(
            addressServerInputFailures(news(30), { weight: 0 })[0].reason,
            /trafficWeight = 30: skips stages; the next stage after 0 is 10/,
        );
        assert.match(addressServerInputFailures(news(101), {})[0].reason, /integer from 0 to 100, got 101/);
        assert.match(
            addressServerInputFailures(news(10, { greenNameServers: "" }), { weight: 0 })[0].reason,
            /weight 10 needs green's name servers; there is no green/,
        );
    });
});
