import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { BlueGreenRocketMQ } from "../../components/blueGreen";
import { parseStackConfig } from "../../config/stackConfig";
import { HostsPlatform } from "../../components/platforms/hosts/hostsPlatform";
import { loopbackPlatformArgs } from "../../components/platforms/hosts/loopbackPlatform";
import type {
    AddressServerOptions,
    ClusterRef,
    MetadataSyncOptions,
    OperationContext,
} from "../../components/platforms/clusterPlatform";
import { installMocks, resolved } from "./mocks";

/** Records what isolated routing's pieces were told to wait for, as URNs. */
class RecordingPlatform extends HostsPlatform {
    readonly waits = new Map<string, pulumi.Input<pulumi.Resource>[]>();
    readonly made = new Map<string, pulumi.Resource>();

    constructor() {
        super(loopbackPlatformArgs({ dataRoot: "/data" }));
    }

    override metadataSync(
        name: string,
        blue: ClusterRef,
        green: ClusterRef,
        opts: MetadataSyncOptions,
        ctx: OperationContext,
    ) {
        this.waits.set(name, ctx.dependsOn);
        const r = super.metadataSync(name, blue, green, opts, ctx);
        this.made.set(name, r);
        return r;
    }

    override addressServer(name: string, opts: AddressServerOptions, ctx: OperationContext) {
        this.waits.set(name, ctx.dependsOn);
        return super.addressServer(name, opts, ctx);
    }
}

async function urnsOf(resources: pulumi.Input<pulumi.Resource>[]): Promise<string[]> {
    return Promise.all(resources.map((r) => resolved(pulumi.output(r).apply((x) => x.urn))));
}

describe("BlueGreenRocketMQ with isolated routing (Pulumi mocks)", () => {
    before(installMocks);

    it("applies a weight only after blue's backup and verification, green's verification and the metadata sync", async () => {
        const cfg = parseStackConfig({
            blue: { version: "4.9.7", clusterName: "blue" },
            green: { version: "5.5.0", clusterName: "green" },
            routing: "isolated",
            trafficWeight: 10,
        });
        const platform = new RecordingPlatform();
        const bg = new BlueGreenRocketMQ("rocketmq", {
            platform,
            nameServer: { ...cfg.nameServer, version: "4.9.7" },
            blue: cfg.blue,
            green: cfg.green,
            basePorts: { blue: 20000, green: 21000 },
            trafficWeight: 10,
            canaryStages: cfg.canaryStages,
            topics: [],
            consumerGroups: [],
            orderedCutover: 100,
            retireBlue: false,
            backup: { ...cfg.backup },
            verification: { ...cfg.verification },
            isolated: {
                greenNameServer: { ...cfg.nameServer, version: "5.5.0", basePort: 19886 },
                addressServer: { port: 18080, quietSeconds: 10 },
            },
        });
        const syncWaits = await urnsOf(platform.waits.get("metadata-sync")!);
        const gates = [bg.blueBackup, bg.blueVerification, bg.greenVerification!];
        assert.deepStrictEqual(syncWaits, await urnsOf(gates));
        assert.deepStrictEqual(
            await urnsOf(platform.waits.get("address-server")!),
            await urnsOf([platform.made.get("metadata-sync")!]),
        );
        assert.strictEqual(await resolved(bg.greenNameServers!.addresses), "127.0.0.1:19886;127.0.0.1:19887");
        assert.deepStrictEqual(
            bg.green!.plan.nameServers.map((n) => n.name),
            ["green-namesrv-0", "green-namesrv-1"],
        );
    });
});
