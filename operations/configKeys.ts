/**
 * Which config-file keys a RocketMQ release understands, read from the
 * release's own classes. RocketMQ maps `key=value` onto a `setKey(...)`
 * method of its config objects and silently ignores keys with no setter, so
 * a misspelt or too-new key would otherwise be dropped without a word.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RocketMQRuntime } from "./maven";

/** The objects a broker's -c file is applied to (BrokerStartup), plus the proxy's and name server's. */
const BROKER_CONFIG_CLASSES = [
    "org.apache.rocketmq.common.BrokerConfig",
    "org.apache.rocketmq.store.config.MessageStoreConfig",
    "org.apache.rocketmq.remoting.netty.NettyServerConfig",
    "org.apache.rocketmq.remoting.netty.NettyClientConfig",
];

/** Setter names in `javap -p` output, as config keys: setBrokerName(...) → brokerName. Pure. */
export function settersAsKeys(javapOutput: string): { keys: string[]; superclasses: string[] } {
    const keys = [...javapOutput.matchAll(/\bvoid set([A-Z]\w*)\(/g)].map((m) => m[1][0].toLowerCase() + m[1].slice(1));
    const superclasses = [...javapOutput.matchAll(/class \S+ extends (org\.apache\.rocketmq\.[\w.$]+)/g)].map(
        (m) => m[1],
    );
    return { keys, superclasses };
}

function classKeys(runtime: RocketMQRuntime, classes: string[]): Set<string> {
    const keys = new Set<string>();
    const seen = new Set<string>();
    let pending = [...classes];
    while (pending.length > 0) {
        pending = pending.filter((c) => !seen.has(c));
        if (pending.length === 0) {
            break;
        }
        pending.forEach((c) => seen.add(c));
        const out = execFileSync("javap", ["-p", "-cp", runtime.classpath, ...pending], {
            encoding: "utf8",
            maxBuffer: 16 << 20,
        });
        const parsed = settersAsKeys(out);
        parsed.keys.forEach((k) => keys.add(k));
        pending = parsed.superclasses;
    }
    return keys;
}

/** The broker.conf keys `runtime` understands; computed once per release and cached beside its jars. */
export function brokerConfigKeys(runtime: RocketMQRuntime): Set<string> {
    const cache = path.join(runtime.home, "broker-config-keys.json");
    if (fs.existsSync(cache)) {
        return new Set(JSON.parse(fs.readFileSync(cache, "utf8")) as string[]);
    }
    const keys = classKeys(runtime, BROKER_CONFIG_CLASSES);
    fs.writeFileSync(cache, JSON.stringify([...keys].sort()) + "\n");
    return keys;
}

/** Keys of a properties file that `known` lacks. Pure. */
export function unknownKeys(properties: string, known: Set<string>): string[] {
    return properties
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length > 0 && !l.startsWith("#"))
        .map((l) => l.split("=")[0].trim())
        .filter((k) => !known.has(k));
}
