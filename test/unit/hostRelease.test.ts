import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installRelease, stageReleaseOnHosts } from "../../operations/hostRelease";
import type { CommandResult, CopyProgress, HostAccess, HostShell } from "../../operations/hostShell";
import type { RocketMQRuntime } from "../../operations/maven";
import { mustParseVersion } from "../../domain/versions";

/** A host that has no release yet and records every copy; a copy takes `copyMs`, or fails while `failCopies` > 0. */
class RecordingHost implements HostShell {
    copies = 0;
    failCopies = 0;
    closed = false;
    /** Copies under way on every RecordingHost at once, and the most seen. */
    static copying = 0;
    static mostCopying = 0;
    constructor(
        private readonly copyMs: number,
        readonly host = "local",
    ) {}
    run(): Promise<CommandResult> {
        return Promise.resolve({ code: 1, stdout: "", stderr: "" });
    }
    mustRun(): Promise<string> {
        return Promise.resolve("");
    }
    async copyTo(_from: string, _to: string, progress?: CopyProgress): Promise<void> {
        this.copies++;
        RecordingHost.copying++;
        RecordingHost.mostCopying = Math.max(RecordingHost.mostCopying, RecordingHost.copying);
        try {
            await new Promise((r) => setTimeout(r, this.copyMs));
            if (this.failCopies > 0) {
                this.failCopies--;
                throw new Error(`host ${this.host}: the disk is full`);
            }
            progress?.(100, 100);
        } finally {
            RecordingHost.copying--;
        }
    }
    readFile(): Promise<Buffer> {
        return Promise.resolve(Buffer.alloc(0));
    }
    copyFrom(): Promise<boolean> {
        return Promise.resolve(false);
    }
    close(): Promise<void> {
        this.closed = true;
        return Promise.resolve();
    }
}

/** A release of two tiny directories, enough to pack. */
function fakeRuntime(): RocketMQRuntime {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
    for (const d of ["lib", "conf"]) {
        fs.mkdirSync(path.join(home, d));
        fs.writeFileSync(path.join(home, d, "x"), d);
    }
    return { version: mustParseVersion("5.5.0"), home, classpath: `${home}/lib/*` };
}

describe("a release installed on a host by processes starting side by side", () => {
    let runtime: RocketMQRuntime;

    before(() => {
        runtime = fakeRuntime();
    });

    it("is copied once for four processes of one host, each told where it is", async () => {
        const host = new RecordingHost(50);
        const installs = await Promise.all([1, 2, 3, 4].map(() => installRelease(host, runtime, "/r")));
        assert.strictEqual(host.copies, 1);
        assert.deepStrictEqual(
            installs.map((i) => i.dir),
            Array(4).fill("/r/rocketmq-5.5.0"),
        );
        assert.deepStrictEqual(
            installs.map((i) => i.copied),
            [true, false, false, false],
        );
    });

    it("is copied again by one waiter when the first copy failed, which fails alone", async () => {
        const host = new RecordingHost(20);
        host.failCopies = 1;
        const results = await Promise.allSettled([1, 2, 3].map(() => installRelease(host, runtime, "/r")));
        assert.deepStrictEqual(
            results.map((r) => r.status),
            ["rejected", "fulfilled", "fulfilled"],
        );
        assert.strictEqual(host.copies, 2);
    });

    it("is copied per host and per release root", async () => {
        const host = new RecordingHost(10);
        await Promise.all([installRelease(host, runtime, "/r"), installRelease(host, runtime, "/s")]);
        assert.strictEqual(host.copies, 2);
    });
});

describe("a roll's target release staged on every host before the first broker goes down", () => {
    let runtime: RocketMQRuntime;
    const access = (name: string): HostAccess => ({ name, address: name, local: false, sshPort: 22, user: "u" });

    before(() => {
        runtime = fakeRuntime();
    });

    it("copies to the hosts side by side, once per host and release root, and closes every connection", async () => {
        const hosts = new Map(["b1", "b2", "b3"].map((h) => [h, new RecordingHost(30, h)]));
        RecordingHost.mostCopying = 0;
        const said: string[] = [];
        const staged = await stageReleaseOnHosts(
            [
                { access: access("b1"), releaseRoot: "/opt" },
                { access: access("b2"), releaseRoot: "/opt" },
                { access: access("b1"), releaseRoot: "/opt" },
                { access: access("b3"), releaseRoot: "/opt" },
            ],
            runtime,
            (m) => said.push(m),
            (a) => Promise.resolve(hosts.get(a.name)!),
        );
        assert.deepStrictEqual(
            [...hosts.values()].map((h) => h.copies),
            [1, 1, 1],
        );
        assert.strictEqual(staged.length, 3);
        assert.strictEqual(RecordingHost.mostCopying, 3, "the hosts' copies ran one after another");
        assert.ok([...hosts.values()].every((h) => h.closed));
        assert.ok(said.includes("host b2: RocketMQ 5.5.0 staged in /opt/rocketmq-5.5.0"), said.join("\n"));
    });

    it("tries every host when one fails, and names each one that did in the error", async () => {
        const hosts = new Map(["b1", "b2", "b3"].map((h) => [h, new RecordingHost(10, h)]));
        hosts.get("b2")!.failCopies = 1;
        const open = (a: HostAccess) =>
            a.name === "b3"
                ? Promise.reject(new Error("host b3: does not answer at b3:22"))
                : Promise.resolve(hosts.get(a.name)!);
        await assert.rejects(
            stageReleaseOnHosts(
                ["b1", "b2", "b3"].map((h) => ({ access: access(h), releaseRoot: "/opt" })),
                runtime,
                () => {},
                open,
            ),
            (e: Error) => {
                assert.match(e.message, /^RocketMQ 5\.5\.0 could not be staged on every host:/);
                assert.match(e.message, /- host b2: the disk is full/);
                assert.match(e.message, /- host b3: does not answer/);
                assert.doesNotMatch(e.message, /host b1/);
                return true;
            },
        );
        assert.strictEqual(hosts.get("b1")!.copies, 1);
        assert.ok(hosts.get("b1")!.closed && hosts.get("b2")!.closed);
    });
});
