/**
 * The exact commands the hosts platform issues on a machine: the JVM line, the plain background start and the
 * pid-based stop the namespace tests run, and the systemd unit path, which no test here runs against a real
 * systemd, so its every line is pinned here.
 */
import * as assert from "assert";
import { javaMajor, releaseDir } from "../../operations/hostRelease";
import {
    hostJavaArgs,
    startCommands,
    stopCommands,
    systemdUnit,
    unitName,
    type HostProcessSpec,
} from "../../operations/hostProcess";
import { describeConnectError, keyFingerprint, shellQuote } from "../../operations/hostShell";
import { parseProcessTable } from "../../operations/hostDiscovery";

const BROKER: HostProcessSpec = {
    role: "broker",
    name: "blue-broker-a-0",
    dir: "/data/rocketmq/blue-broker-a-0",
    address: "10.0.0.11",
    servicePort: 10911,
    heapMb: 4096,
    javaMajor: 17,
    manager: "process",
};

describe("hosts platform commands", () => {
    it("quotes for the shell only what needs it, and any single quote inside", () => {
        assert.strictEqual(shellQuote("/opt/rocketmq-5.5.0"), "/opt/rocketmq-5.5.0");
        assert.strictEqual(shellQuote("a b"), "'a b'");
        assert.strictEqual(shellQuote("it's"), `'it'\\''s'`);
        assert.strictEqual(shellQuote("$(reboot)"), "'$(reboot)'");
        assert.strictEqual(shellQuote("lib/*"), "'lib/*'");
    });

    it("reads Java's major version from both numbering schemes", () => {
        assert.strictEqual(javaMajor('openjdk version "1.8.0_392"\nOpenJDK Runtime'), 8);
        assert.strictEqual(javaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
        assert.strictEqual(javaMajor('java version "21" 2023-09-19'), 21);
        assert.strictEqual(javaMajor("bash: java: command not found"), undefined);
        assert.strictEqual(releaseDir("/opt", "4.9.7"), "/opt/rocketmq-4.9.7");
    });

    it("runs the release through the process's own link, with module flags only from Java 9", () => {
        const args = hostJavaArgs(BROKER);
        assert.deepStrictEqual(args.slice(-5), [
            "-cp",
            "/data/rocketmq/blue-broker-a-0/rocketmq/lib/*",
            "org.apache.rocketmq.broker.BrokerStartup",
            "-c",
            "/data/rocketmq/blue-broker-a-0/broker.conf",
        ]);
        assert.ok(args.includes("-Drocketmq.home.dir=/data/rocketmq/blue-broker-a-0/rocketmq"));
        assert.ok(args.includes("-Xmx4096m") && args.includes("-Xms4096m"));
        assert.ok(args.some((a) => a.startsWith("--add-opens")));
        assert.ok(
            !hostJavaArgs({ ...BROKER, javaMajor: 8 }).some((a) => a.startsWith("--add-")),
            "Java 8 refuses them",
        );
        // An adopted broker keeps its own broker.conf where it is.
        assert.strictEqual(
            hostJavaArgs({ ...BROKER, configPath: "/opt/rocketmq/conf/broker.conf" }).at(-1),
            "/opt/rocketmq/conf/broker.conf",
        );
        const proxy = hostJavaArgs({ ...BROKER, role: "proxy", name: "blue-proxy-0", dir: "/data/p" });
        assert.deepStrictEqual(proxy.slice(-2), ["-pc", "/data/p/rmq-proxy.json"]);
    });

    it("starts a plain process in the background, out of the SSH session, its pid the JVM's", () => {
        const [line, ...rest] = startCommands({ ...BROKER, javaHome: "/usr/lib/jvm/jdk-17" });
        assert.deepStrictEqual(rest, []);
        assert.ok(
            line.startsWith(
                "cd /data/rocketmq/blue-broker-a-0 || exit 1; ROCKETMQ_HOME=/data/rocketmq/blue-broker-a-0/rocketmq setsid sh -c 'echo $$ > process.pid; exec \"$@\"' rocketmq /usr/lib/jvm/jdk-17/bin/java -server ",
            ),
            line,
        );
        assert.ok(line.endsWith(" > /data/rocketmq/blue-broker-a-0/stdout.log 2>&1 < /dev/null &"), line);
        assert.ok(
            line.includes(" -cp '/data/rocketmq/blue-broker-a-0/rocketmq/lib/*' "),
            "the classpath's * is the JVM's, not the shell's",
        );
        assert.deepStrictEqual(stopCommands(BROKER, 4242), ["kill -TERM 4242"]);
    });

    it("runs a systemd process through its unit, which never restarts it behind the roll's back", () => {
        const spec: HostProcessSpec = { ...BROKER, manager: "systemd" };
        assert.strictEqual(unitName(spec), "rocketmq-blue-broker-a-0.service");
        assert.deepStrictEqual(startCommands(spec), [
            "systemctl daemon-reload",
            ": > /data/rocketmq/blue-broker-a-0/stdout.log",
            "systemctl start rocketmq-blue-broker-a-0.service",
            "systemctl show --property MainPID --value rocketmq-blue-broker-a-0.service > /data/rocketmq/blue-broker-a-0/process.pid",
        ]);
        assert.deepStrictEqual(stopCommands(spec, 4242), ["systemctl stop rocketmq-blue-broker-a-0.service"]);
        const unit = systemdUnit(spec).split("\n");
        for (const line of [
            "Restart=no",
            "KillSignal=SIGTERM",
            "WorkingDirectory=/data/rocketmq/blue-broker-a-0",
            "Environment=ROCKETMQ_HOME=/data/rocketmq/blue-broker-a-0/rocketmq",
            "StandardOutput=append:/data/rocketmq/blue-broker-a-0/stdout.log",
        ]) {
            assert.ok(unit.includes(line), `the unit lacks ${line}`);
        }
        const exec = unit.find((l) => l.startsWith("ExecStart="))!;
        assert.ok(exec.startsWith("ExecStart=java -server -Xms4096m"), exec);
        assert.ok(
            exec.endsWith(" org.apache.rocketmq.broker.BrokerStartup -c /data/rocketmq/blue-broker-a-0/broker.conf"),
            exec,
        );
    });

    it("says what a failed connection means, naming the address and the fix", () => {
        const access = { name: "vm3", address: "10.0.0.13", local: false, sshPort: 2222, user: "rocketmq" };
        const error = (props: { code?: string; level?: string }) => Object.assign(new Error("x"), props);
        assert.strictEqual(
            describeConnectError(access, error({ code: "ECONNREFUSED" })),
            "refused the connection to 10.0.0.13:2222: is sshd running and listening on port 2222?",
        );
        assert.match(
            describeConnectError(access, error({ level: "client-authentication" })),
            /^refused the private key for user rocketmq at 10\.0\.0\.13:2222/,
        );
        assert.strictEqual(
            describeConnectError(access, error({ level: "client-timeout" })),
            "does not answer: no SSH greeting from 10.0.0.13:2222 within 10 s",
        );
        const pinned = { ...access, hostKeyFingerprint: "SHA256:old" };
        assert.match(
            describeConnectError(pinned, error({}), "SHA256:new"),
            /^its host key changed: 10\.0\.0\.13:2222 offered SHA256:new, the stack pins SHA256:old; .*hosts\.vm3\.hostKey/,
        );
        // ssh-keygen -lf prints unpadded base64 of the key blob's sha256.
        assert.match(keyFingerprint(Buffer.from("key")), /^SHA256:[A-Za-z0-9+/]{43}$/);
    });

    it("reads a host's Java process table, arguments with spaces and all", () => {
        const argv = (...a: string[]) => Buffer.from(a.join("\0") + "\0").toString("base64");
        const table = [
            `4242\t/opt/rocketmq\t${argv("java", "-server", "-cp", "lib/*", "org.apache.rocketmq.broker.BrokerStartup", "-c", "conf/broker a.conf")}`,
            "",
            `77\t/\t${argv("java", "-version")}`,
            "garbage line",
        ].join("\n");
        assert.deepStrictEqual(parseProcessTable(table), [
            {
                pid: 4242,
                cwd: "/opt/rocketmq",
                argv: [
                    "java",
                    "-server",
                    "-cp",
                    "lib/*",
                    "org.apache.rocketmq.broker.BrokerStartup",
                    "-c",
                    "conf/broker a.conf",
                ],
            },
            { pid: 77, cwd: "/", argv: ["java", "-version"] },
        ]);
    });
});
