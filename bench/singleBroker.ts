/** The one-master cluster the server benchmarks start: one name server, one ASYNC_MASTER on an empty small store. */
import * as path from "path";
import { brokerProperties, SMALL_STORE } from "../domain/serverConfig";
import type { RocketMQVersion } from "../domain/versions";

/** The broker.conf of the benchmarks' master `bench-a`, registering with the name server on `nameServerPort`. */
export function benchBrokerProperties(
    version: RocketMQVersion,
    nameServerPort: number,
    brokerPort: number,
    brokerDir: string,
): string {
    return brokerProperties({
        version,
        clusterName: "bench",
        brokerName: "bench-a",
        brokerId: 0,
        role: "ASYNC_MASTER",
        flushDiskType: "ASYNC_FLUSH",
        nameServers: [`127.0.0.1:${nameServerPort}`],
        port: brokerPort,
        haPort: brokerPort + 1,
        storeDir: path.join(brokerDir, "store"),
        store: SMALL_STORE,
        autoCreateTopicEnable: false,
    });
}
