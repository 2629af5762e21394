/**
 * Isolated routing's client split: which colour's name servers the address
 * server hands each client. RocketMQ clients without `namesrvAddr` ask
 * `GET /rocketmq/<subgroup>[-<unitName>]` at start and every 2 minutes and
 * take the body (`host:port;host:port`) as their name-server list.
 *
 * The address server is nginx; its `split_clients` hashes the client's
 * identity with MurmurHash2 and compares the hash with cumulative percentage
 * thresholds. Green is listed first, so a client is green exactly when its
 * hash falls below the weight's threshold: the same client always gets the
 * same answer at one weight (sticky), and a client on green at 10 % is on
 * green at every higher weight (monotonic). This file models that rule so
 * tests, status and the bench can tell in advance which colour a client gets.
 * Pure.
 */

/** How often a RocketMQ client asks the address server again (MQClientInstance's fixed schedule). */
export const ADDRESS_POLL_SECONDS = 120;

/**
 * nginx's `ngx_murmur_hash2`: MurmurHash2, 32-bit, seeded with the length,
 * over the identity's bytes.
 */
export function murmurHash2(text: string): number {
    const data = Buffer.from(text, "utf8");
    const m = 0x5bd1e995;
    let len = data.length;
    let h = len >>> 0;
    let i = 0;
    while (len >= 4) {
        let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
        k = Math.imul(k, m);
        k ^= k >>> 24;
        k = Math.imul(k, m);
        h = Math.imul(h, m) ^ k;
        i += 4;
        len -= 4;
    }
    if (len > 0) {
        // The 1-3 trailing bytes, highest first, then one mixing step.
        for (let j = len - 1; j >= 0; j--) {
            h ^= data[i + j] << (8 * j);
        }
        h = Math.imul(h, m);
    }
    h ^= h >>> 13;
    h = Math.imul(h, m);
    h ^= h >>> 15;
    return h >>> 0;
}

/** The hash below which `split_clients` answers green at `weight` percent (nginx's own arithmetic). */
export function greenThreshold(weight: number): number {
    return Math.floor((weight * 100 * 0xffffffff) / 10000);
}

/** The colour the address server answers for a client identity at `weight` percent. */
export function colourOfClient(identity: string, weight: number): "blue" | "green" {
    if (weight <= 0) {
        return "blue";
    }
    if (weight >= 100) {
        return "green";
    }
    return murmurHash2(identity) < greenThreshold(weight) ? "green" : "blue";
}

/** Identities the tool itself asks with; never logged as clients. */
export const PROBE_PREFIX = "rocketmq-upgrade-probe-";

/** What the address server's config is made of. */
export interface AddressServerSettings {
    /** Directory holding the config, pid file, logs and temp files. */
    dir: string;
    port: number;
    /** Listen address: loopback on the local platform. */
    host: string;
    blueNameServers: string;
    /** Empty while there is no green: every client gets blue. */
    greenNameServers: string;
    weight: number;
}

/** The `split_clients` entries for a weight: nginx refuses "0%", and "*" makes 0 and 100 exact. */
export function splitEntries(weight: number, hasGreen: boolean): string[] {
    if (!hasGreen || weight <= 0) {
        return ["* blue;"];
    }
    if (weight >= 100) {
        return ["* green;"];
    }
    return [`${weight}% green;`, "* blue;"];
}

/**
 * The whole nginx config of the address server. Besides the clients' path
 * it answers `/rocketmq-upgrade/weight` (the weight in force, for checks
 * after a reload) and `/rocketmq-upgrade/colour/<identity>`, and logs each
 * client poll as "time identity colour" to clients.log.
 */
export function addressServerConfig(s: AddressServerSettings): string {
    const tmp = `${s.dir}/tmp`;
    const green = s.greenNameServers || s.blueNameServers;
    return [
        "# Written by rocketmq-upgrade (rocketmq:local:AddressServer); rewritten on every weight change.",
        "daemon off;",
        "worker_processes 1;",
        `pid ${s.dir}/nginx.pid;`,
        `error_log ${s.dir}/error.log warn;`,
        "events { worker_connections 1024; }",
        "http {",
        `    client_body_temp_path ${tmp}/body;`,
        `    proxy_temp_path ${tmp}/proxy;`,
        `    fastcgi_temp_path ${tmp}/fastcgi;`,
        `    uwsgi_temp_path ${tmp}/uwsgi;`,
        `    scgi_temp_path ${tmp}/scgi;`,
        "    # A client that names itself (unitName: /rocketmq/nsaddr-<name>) is keyed on that name, any other on its address.",
        "    map $uri $rmq_client {",
        '        "~^/rocketmq/[^/-]+-(?<named>[^/]+)$" $named;',
        '        "~^/rocketmq-upgrade/colour/(?<probe>[^/]+)$" $probe;',
        "        default $remote_addr;",
        "    }",
        '    split_clients "${rmq_client}" $rmq_colour {',
        ...splitEntries(s.weight, s.greenNameServers !== "").map((e) => `        ${e}`),
        "    }",
        "    map $rmq_colour $rmq_nameservers {",
        `        green "${green}";`,
        `        default "${s.blueNameServers}";`,
        "    }",
        "    log_format rmq_clients '$msec $rmq_client $rmq_colour';",
        "    # The tool's own probes after a reload are not clients.",
        "    map $rmq_client $rmq_is_client {",
        `        "~^${PROBE_PREFIX}" 0;`,
        "        default 1;",
        "    }",
        "    access_log off;",
        "    server {",
        `        listen ${s.host}:${s.port};`,
        "        default_type text/plain;",
        "        location /rocketmq/ {",
        `            access_log ${s.dir}/clients.log rmq_clients if=$rmq_is_client;`,
        '            return 200 "$rmq_nameservers\\n";',
        "        }",
        "        location = /rocketmq-upgrade/weight {",
        `            return 200 "${s.weight}\\n";`,
        "        }",
        "        location /rocketmq-upgrade/colour/ {",
        '            return 200 "$rmq_colour\\n";',
        "        }",
        "    }",
        "}",
        "",
    ].join("\n");
}

/** One client poll as clients.log records it. */
export interface ClientPoll {
    at: number;
    identity: string;
    colour: "blue" | "green";
}

/** Parses clients.log lines; malformed lines are skipped. */
export function parseClientLog(text: string): ClientPoll[] {
    const polls: ClientPoll[] = [];
    for (const line of text.split("\n")) {
        const [at, identity, colour] = line.trim().split(" ");
        if (at && identity && (colour === "blue" || colour === "green")) {
            polls.push({ at: Math.round(Number(at) * 1000), identity, colour });
        }
    }
    return polls;
}

/** Each client's latest answer among polls at or after `since` (epoch ms). */
export function latestColours(polls: readonly ClientPoll[], since = 0): Map<string, "blue" | "green"> {
    const latest = new Map<string, "blue" | "green">();
    for (const p of polls) {
        if (p.at >= since) {
            latest.set(p.identity, p.colour);
        }
    }
    return latest;
}
