/**
 * The hosts platform's reach into a machine (operations/hostShell.ts), against real sshd on namespace hosts:
 * commands and copies land on the host named and no other, a copy is checked by the host's own sha256, and each
 * fault (no answer, a refused key, a changed host key, a full disk, a corrupted copy) fails naming the host.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { sha256OfFile } from "../../operations/fileChecksum";
import { FETCH_SNAPSHOT, HostError, HostShell, openHostShell } from "../../operations/hostShell";
import { checkHosts, hostProblems } from "../../operations/hostChecks";
import { NamespaceHosts } from "./namespaceHosts";
import { scratchDir } from "./support";

async function refusal(work: Promise<unknown>): Promise<HostError> {
    try {
        await work;
    } catch (e) {
        assert.ok(e instanceof HostError, `expected a HostError, got ${String(e)}`);
        return e;
    }
    assert.fail("expected a refusal");
}

describe("hosts over SSH: commands and copies on namespace hosts", function () {
    this.timeout(120_000);
    let hosts: NamespaceHosts;
    let scratch: string;
    const shells: HostShell[] = [];

    async function shell(name: string): Promise<HostShell> {
        const s = await openHostShell(hosts.access(name));
        shells.push(s);
        return s;
    }

    /** A file of random bytes, so no two copies can agree by accident. */
    function randomFile(name: string, mib: number): string {
        const file = path.join(scratch, name);
        fs.writeFileSync(file, randomBytes(mib << 20));
        return file;
    }

    before(async () => {
        scratch = scratchDir("host-shell");
        hosts = await NamespaceHosts.create(["h1", "h2", "small"], { small: { optSizeMb: 4 } });
    });

    after(async () => {
        for (const s of shells) {
            await s.close().catch(() => undefined);
        }
        hosts?.destroy();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    it("runs each command on the host named, which has its own address, name and files", async () => {
        const [h1, h2] = [await shell("h1"), await shell("h2")];
        assert.strictEqual((await h1.mustRun("hostname")).trim(), "h1");
        assert.strictEqual((await h2.mustRun("hostname")).trim(), "h2");
        assert.match(
            await h2.mustRun("ip -4 -o addr show dev eth0"),
            new RegExp(hosts.host("h2").address.replace(/\./g, "\\.")),
        );
        await h1.mustRun("mkdir -p /opt/only-on-h1 && echo h1 > /opt/only-on-h1/marker");
        assert.strictEqual((await h1.run("cat /opt/only-on-h1/marker")).stdout.trim(), "h1");
        const onH2 = await h2.run("cat /opt/only-on-h1/marker");
        assert.notStrictEqual(onH2.code, 0, "a file written on h1 must not be visible on h2");
        assert.ok(fs.existsSync(path.join(hosts.host("h1").dir, "opt", "only-on-h1", "marker")));
        assert.ok(!fs.existsSync("/opt/only-on-h1"), "the machine's own /opt must be untouched");
        // stdin reaches the command; a failing command names the host and says what it printed.
        assert.strictEqual((await h1.mustRun("wc -c", { stdin: "12345" })).trim(), "5");
        const failed = await refusal(h2.mustRun("echo broken >&2; exit 3"));
        assert.match(failed.message, /^host h2: `echo broken >&2; exit 3` exited 3: broken$/);
    });

    it("copies a file once, in place only after the host's sha256 matches, with progress", async () => {
        const file = randomFile("release.zip", 3);
        const h1 = await shell("h1");
        const seen: number[] = [];
        await h1.copyTo(file, "/opt/releases/release.zip", (sent) => seen.push(sent));
        const expected = sha256OfFile(file);
        const local = fs.readFileSync(path.join(hosts.host("h1").dir, "opt", "releases", "release.zip"));
        assert.strictEqual(createHash("sha256").update(local).digest("hex"), expected);
        assert.strictEqual((await h1.readFile("/opt/releases/release.zip")).length, 3 << 20);
        assert.ok(seen.length > 0 && seen[seen.length - 1] === 3 << 20, `progress ended at ${seen[seen.length - 1]}`);
        assert.strictEqual((await h1.run("ls /opt/releases")).stdout.trim(), "release.zip", "no partial copy left");
        const h2 = await shell("h2");
        assert.notStrictEqual((await h2.run("ls /opt/releases/release.zip")).code, 0, "copied to h1 only");

        // And back: fetched from the host's snapshot, checked, and the snapshot removed.
        const back = path.join(scratch, "fetched", "release.zip");
        assert.strictEqual(await h1.copyFrom("/opt/releases/release.zip", back), true);
        assert.strictEqual(sha256OfFile(back), expected);
        assert.strictEqual(await h1.copyFrom("/opt/releases/none.zip", path.join(scratch, "fetched", "none")), false);
        assert.ok(!fs.existsSync(path.join(scratch, "fetched", "none")), "nothing fetched for a missing file");
        assert.strictEqual((await h1.run(`ls /tmp | grep -c ${FETCH_SNAPSHOT}`)).stdout.trim(), "0", "snapshot left");
    });

    it("refuses a copy to a full disk before sending, naming the host, the sizes and the directory", async () => {
        const small = await shell("small");
        const e = await refusal(small.copyTo(randomFile("big.zip", 6), "/opt/rocketmq-5.5.0.zip"));
        assert.match(
            e.message,
            /^host small: not enough disk space for \/opt\/rocketmq-5\.5\.0\.zip: it needs 6\.0 MiB, \/opt has [0-9.]+ MiB free$/,
        );
        assert.strictEqual((await small.mustRun("ls -A /opt")).trim(), "", "nothing written");
    });

    it("refuses a copy either way that fails its checksum, putting nothing in place", async () => {
        const h2 = await shell("h2");
        // The host's sha256sum reports another sum, as a copy corrupted on the way or on disk would.
        fs.writeFileSync(path.join(hosts.host("h2").dir, "srv", "sha256sum"), '#!/bin/sh\necho 0000 "$1"\n', {
            mode: 0o755,
        });
        hosts.exec("h2", "mount --bind /srv/sha256sum /usr/bin/sha256sum");
        try {
            const e = await refusal(h2.copyTo(randomFile("conf.zip", 1), "/opt/conf.zip"));
            assert.match(
                e.message,
                /^host h2: the copy of .*conf\.zip to \/opt\/conf\.zip failed its checksum: sent sha256 [0-9a-f]{64}, the host has 0000;/,
            );
            assert.strictEqual(
                (await h2.run("ls /opt/conf.zip /opt/conf.zip.partial")).stdout,
                "",
                "neither the copy nor its partial remains",
            );
            // The same check guards a copy from the host: the sum it reports is not what arrives.
            await h2.mustRun("echo conf > /opt/back.conf");
            const back = path.join(scratch, "back", "back.conf");
            const f = await refusal(h2.copyFrom("/opt/back.conf", back));
            assert.match(
                f.message,
                /^host h2: the copy of \/opt\/back\.conf to .*back\.conf failed its checksum: the host has sha256 0000, [0-9a-f]{64} arrived; nothing was put in place$/,
            );
            assert.ok(!fs.existsSync(back) && !fs.existsSync(`${back}.partial`), "nothing put in place locally");
        } finally {
            hosts.exec("h2", "umount /usr/bin/sha256sum");
        }
    });

    it("names the host whose key changed, with both fingerprints", async () => {
        const pinned = "SHA256:" + "A".repeat(43);
        const e = await refusal(openHostShell(hosts.access("h1", { hostKeyFingerprint: pinned })));
        assert.ok(
            e.message.startsWith(
                `host h1: its host key changed: ${hosts.host("h1").address}:22 offered ${hosts.host("h1").hostKeyFingerprint}, the stack pins ${pinned}`,
            ),
            e.message,
        );
    });

    it("names the host that refuses the key", async () => {
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(scratch, "stranger")]);
        const stranger = fs.readFileSync(path.join(scratch, "stranger"), "utf8");
        const e = await refusal(openHostShell(hosts.access("h2", { privateKey: stranger })));
        assert.strictEqual(
            e.message,
            `host h2: refused the private key for user root at ${hosts.host("h2").address}:22 (is its public key in that user's authorized_keys?)`,
        );
    });

    it("names the host that does not answer, within the connect timeout", async () => {
        hosts.freezeSsh("h1", true);
        try {
            const began = Date.now();
            const e = await refusal(openHostShell(hosts.access("h1", { connectTimeoutMs: 2_000 })));
            assert.strictEqual(
                e.message,
                `host h1: does not answer: no SSH greeting from ${hosts.host("h1").address}:22 within 2 s`,
            );
            assert.ok(Date.now() - began < 10_000, `gave up after ${Date.now() - began} ms`);
        } finally {
            hosts.freezeSsh("h1", false);
        }
        assert.strictEqual((await (await shell("h1")).mustRun("hostname")).trim(), "h1", "answers again once thawed");
    });

    it("checks every host, naming each that fails and why, and the ready ones' Java", async () => {
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(scratch, "other")]);
        const other = fs.readFileSync(path.join(scratch, "other"), "utf8");
        hosts.freezeSsh("small", true);
        let readiness;
        try {
            readiness = await checkHosts([
                { access: hosts.access("h1") },
                { access: hosts.access("h2", { privateKey: other }) },
                { access: hosts.access("small", { connectTimeoutMs: 3_000 }) },
                { access: hosts.access("h1", { name: "h1-jdk" }), javaHome: "/opt/no-jdk" },
            ]);
        } finally {
            hosts.freezeSsh("small", false);
        }
        const problems = hostProblems(readiness);
        assert.ok((readiness[0].javaMajor ?? 0) >= 8, JSON.stringify(readiness[0]));
        assert.strictEqual(problems.length, 3, problems.join("\n"));
        assert.match(problems[0], /^host h2: refused the private key for user root at /);
        assert.match(problems[1], /^host small: does not answer: no SSH greeting from .* within 3 s$/);
        assert.match(problems[2], /^host h1-jdk: has no usable JDK: `\/opt\/no-jdk\/bin\/java -version` answered /);
    });

    it("runs a host marked local in a local shell, with the same checked copy", async () => {
        const local = await openHostShell({
            name: "operator",
            address: "127.0.0.1",
            local: true,
            sshPort: 22,
            user: "root",
        });
        shells.push(local);
        const file = randomFile("local.zip", 1);
        const target = path.join(scratch, "releases", "local.zip");
        await local.copyTo(file, target);
        assert.strictEqual(sha256OfFile(target), sha256OfFile(file));
        assert.ok(!fs.existsSync(`${target}.partial`));
        const e = await refusal(local.mustRun("exit 4"));
        assert.match(e.message, /^host operator: `exit 4` exited 4/);
    });
});
