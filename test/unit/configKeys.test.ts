import * as assert from "assert";
import { parseStackConfig } from "../../config/stackConfig";
import { settersAsKeys, unknownKeys } from "../../operations/configKeys";
import { brokerProperties, SMALL_STORE } from "../../domain/serverConfig";
import { mustParseVersion } from "../../domain/versions";

describe("broker.conf keys", () => {
    it("reads setters and RocketMQ superclasses from javap output", () => {
        const javap = [
            "public class org.apache.rocketmq.common.BrokerConfig extends org.apache.rocketmq.common.BrokerIdentity {",
            "  public void setNamesrvAddr(java.lang.String);",
            "  public java.lang.String getNamesrvAddr();",
            "  public void setBrokerIP1(java.lang.String);",
            "  private void setupInternal();",
            "}",
        ].join("\n");
        assert.deepStrictEqual(settersAsKeys(javap), {
            keys: ["namesrvAddr", "brokerIP1"],
            superclasses: ["org.apache.rocketmq.common.BrokerIdentity"],
        });
    });

    it("lists the keys a release does not know, ignoring comments and blank lines", () => {
        const known = new Set(["brokerName", "listenPort"]);
        assert.deepStrictEqual(unknownKeys("# c\nbrokerName=a\n\nlistenPort=1\nbindAddress=127.0.0.1\n", known), [
            "bindAddress",
        ]);
    });

    it("appends operator entries after the managed ones", () => {
        const conf = brokerProperties({
            version: mustParseVersion("4.9.7"),
            clusterName: "c",
            brokerName: "c-a",
            brokerId: 0,
            role: "SYNC_MASTER",
            flushDiskType: "SYNC_FLUSH",
            nameServers: ["127.0.0.1:1"],
            port: 10,
            haPort: 11,
            storeDir: "/s",
            store: SMALL_STORE,
            autoCreateTopicEnable: false,
            extra: { sendMessageThreadPoolNums: 4, fileReservedTime: 72 },
        });
        assert.ok(conf.includes("sendMessageThreadPoolNums=4\n"));
        assert.ok(conf.includes("fileReservedTime=72\n") && !conf.includes("fileReservedTime=168"));
        assert.ok(!conf.includes("bindAddress"), "4.9.x cannot bind one address; the key must not be written");
    });

    it("refuses operator entries for keys the program manages", () => {
        assert.throws(
            () =>
                parseStackConfig({
                    blue: { version: "4.9.7", clusterName: "blue", brokerConfig: { brokerRole: "ASYNC_MASTER" } },
                    green: { version: "5.5.0", clusterName: "green" },
                }),
            /rocketmq-upgrade:blue\.brokerConfig = \{"brokerRole":"ASYNC_MASTER"\}: must not set keys this program manages/,
        );
    });
});
