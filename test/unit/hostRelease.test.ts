import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installRelease } from "../../operations/hostRelease";
import type { CommandResult, HostShell } from "../../operations/hostShell";
import type { RocketMQRuntime } from "../../operations/maven";
import { mustParseVersion } from "../../domain/versions";

/** A host that has no release yet and records every copy; a copy takes `copyMs`, or fails while `failCopies` > 0. */
class RecordingHost implements HostShell {
    readonly host = "local";
    copies = 0;
    failCopies = 0;
    constructor(private readonly copyMs: number) {}
    run(): Promise<CommandResult> {
        return Promise.resolve({ code: 1, stdout: "", stderr: "" });
    }
    mustRun(): Promise<string> {
        return Promise.resolve("");
    }
    async copyTo(): Promise<void> {
        this.copies++;
        await new Promise((r) => setTimeout(r, this.copyMs));
        if (this.failCopies > 0) {
            this.failCopies--;
            throw new Error("host local: the disk is full");
        }
    }
    readFile(): Promise<Buffer> {
        return Promise.resolve(Buffer.alloc(0));
    }
    copyFrom(): Promise<boolean> {
        return Promise.resolve(false);
    }
    close(): Promise<void> {
        return Promise.resolve();
    }
}

describe("a release installed on a host by processes starting side by side", () => {
    let runtime: RocketMQRuntime;

    before(() => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
        for (const d of ["lib", "conf"]) {
            fs.mkdirSync(path.join(home, d));
            fs.writeFileSync(path.join(home, d, "x"), d);
        }
        runtime = { version: mustParseVersion("5.5.0"), home, classpath: `${home}/lib/*` };
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
