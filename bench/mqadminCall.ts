/**
 * One `mqadmin clusterList` against a live name server, per release: RocketMQ's own MQAdminStartup as its bin/mqadmin
 * runs it, against operations/java/MqadminCommand.java (the same command, then an exit once it returns). Wall time
 * and the JVM's CPU (user + sys, from bash's `time`). The rounds alternate the two, so a noisy moment hits both.
 * Prints medians (every observation in brackets) and the ratio per release. The machine should be otherwise idle.
 *
 * Usage: node -r ts-node/register/transpile-only bench/mqadminCall.ts [ROUNDS=5]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nameServerProperties } from "../domain/serverConfig";
import { mustParseVersion } from "../domain/versions";
import { startServer, stopServer } from "../test/integration/plainServer";
import { resolveRuntime } from "../operations/maven";
import { clientJavaArgs, mqadminJavaArgs } from "../operations/mqadmin";
import { freePortBlock } from "../test/integration/support";
import { median, observations } from "./observations";

/** Wall and CPU seconds of one JVM run. */
function timedJava(args: string[], home: string): { wall: number; cpu: number } {
    const r = spawnSync("bash", ["-c", `TIMEFORMAT='%R %U %S'; time java "$@" >/dev/null 2>&1`, "mqadmin", ...args], {
        encoding: "utf8",
        env: { ...process.env, ROCKETMQ_HOME: home },
    });
    const [wall, user, sys] = r.stderr.trim().split("\n").pop()!.split(" ").map(Number);
    return { wall, cpu: user + sys };
}

async function main(): Promise<void> {
    const rounds = Number(process.argv[2] ?? 5);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-mqadmin-"));
    console.log("| release | what | MQAdminStartup (bin/mqadmin) | MqadminCommand | MqadminCommand / MQAdminStartup |");
    console.log("| ------- | ---- | ---------------------------- | -------------- | ------------------------------- |");
    try {
        for (const versionText of ["4.9.7", "5.5.0"]) {
            const runtime = await resolveRuntime(versionText);
            const port = await freePortBlock(10);
            const nsDir = path.join(root, `ns-${versionText}`);
            await startServer(
                {
                    role: "namesrv",
                    dir: nsDir,
                    config: nameServerProperties({ version: mustParseVersion(versionText), port }),
                    servicePort: port,
                    heapMb: 128,
                },
                runtime,
            );
            try {
                const command = ["clusterList", "-n", `127.0.0.1:${port}`];
                const home = path.join(root, "user");
                const plain = clientJavaArgs(runtime, home, runtime.classpath, 128, [
                    "org.apache.rocketmq.tools.command.MQAdminStartup",
                    ...command,
                ]);
                const exiting = mqadminJavaArgs(runtime, home, command);
                const seen = {
                    plain: [] as { wall: number; cpu: number }[],
                    exiting: [] as { wall: number; cpu: number }[],
                };
                for (let i = 0; i < rounds; i++) {
                    seen.plain.push(timedJava(plain, runtime.home));
                    seen.exiting.push(timedJava(exiting, runtime.home));
                }
                for (const what of ["wall", "cpu"] as const) {
                    const a = seen.plain.map((x) => x[what]);
                    const b = seen.exiting.map((x) => x[what]);
                    console.log(
                        `| ${versionText} | ${what} | ${observations(a, 2, " s")} | ${observations(b, 2, " s")} | ${(median(b) / median(a)).toFixed(2)} |`,
                    );
                }
            } finally {
                await stopServer(nsDir);
            }
        }
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
